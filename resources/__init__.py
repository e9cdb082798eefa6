"""Descent's data files (presets, guides, translations), installed as the ``descent_resources``
package; code finds them through ``engine.resources``, never by importing this."""
