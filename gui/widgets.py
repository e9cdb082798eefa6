"""Small widgets that never make the window grow: a label that elides its text (the full text in
its tooltip), a label of coloured segments that elides the same way, and a layout that wraps its
widgets onto more rows instead of demanding the width of all of them."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QLabel, QLayout, QSizePolicy, QWidget, QWidgetItem

MIN_WIDTH = 40


class ElidedLabel(QLabel):
    """One line of plain text, cut with "…" where the space ends; the whole text is the tooltip.
    Its minimum width is a few characters, so a long message never widens the window."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's spelling
        self._full = text or ""
        self.setToolTip(self._full)
        super().setText(self._full)
        self.updateGeometry()
        self.update()

    def text(self) -> str:
        return self._full

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(MIN_WIDTH if self._full else 0, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + 8, super().sizeHint().height())

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.setPen(self.palette().color(self.foregroundRole()))
        rect = self.contentsRect()
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, rect.width())
        p.drawText(rect, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), shown)


class SegmentsLabel(QWidget):
    """A line of (colour, text) segments, each shown as a coloured square and its text, cut with
    "…" where the space ends; every segment's full text is in the tooltip, one per line."""

    GAP = 18

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._segments: list[tuple[str | None, str]] = []
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_segments(self, segments: list[tuple[str | None, str]]) -> None:
        if segments == self._segments:
            return
        self._segments = list(segments)
        self.setToolTip("\n".join(t for _c, t in self._segments))
        self.updateGeometry()
        self.update()

    def segments(self) -> list[tuple[str | None, str]]:
        return list(self._segments)

    def text(self) -> str:
        return "   ".join(t for _c, t in self._segments)

    def _square(self) -> int:
        return max(self.fontMetrics().ascent() - 2, 6)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(MIN_WIDTH, self.fontMetrics().height() + 4)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        fm = self.fontMetrics()
        w = sum(self._square() + 6 + fm.horizontalAdvance(t) + self.GAP for _c, t in self._segments)
        return QSize(w, fm.height() + 4)

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        fm = self.fontMetrics()
        rect = self.contentsRect()
        x, right = rect.left(), rect.right()
        base = rect.top() + (rect.height() + fm.ascent() - fm.descent()) // 2
        sq = self._square()
        fg = self.palette().color(self.foregroundRole())
        for colour, text in self._segments:
            if x + sq > right:
                break
            if colour:
                p.fillRect(QRect(x, base - sq, sq, sq), QColor(colour))
                x += sq + 6
            shown = fm.elidedText(text, Qt.TextElideMode.ElideRight, max(right - x, 0))
            p.setPen(fg)
            p.drawText(QPoint(x, base), shown)
            x += fm.horizontalAdvance(shown) + self.GAP
            if shown != text:
                break


class FlowLayout(QLayout):
    """Widgets left to right, wrapping onto a new row when the width runs out (Qt's flow layout
    example): the minimum width is that of the widest widget, not of all of them."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6):
        super().__init__(parent)
        self._items: list = []
        self.setSpacing(spacing)
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item) -> None:  # noqa: N802 - Qt override
        self._items.append(item)

    def addWidget(self, w: QWidget) -> None:  # noqa: N802 - Qt override
        self.addChildWidget(w)
        self.addItem(QWidgetItem(w))
        self.invalidate()

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, i: int):  # noqa: N802 - Qt override
        return self._items[i] if 0 <= i < len(self._items) else None

    def takeAt(self, i: int):  # noqa: N802 - Qt override
        return self._items.pop(i) if 0 <= i < len(self._items) else None

    def expandingDirections(self):  # noqa: N802 - Qt override
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        return self._place(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 - Qt override
        super().setGeometry(rect)
        self._place(rect, apply=True)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        w = sum(it.sizeHint().width() + self.spacing() for it in self._visible())
        h = max((it.sizeHint().height() for it in self._visible()), default=0)
        return QSize(w, h)

    def minimumSize(self) -> QSize:  # noqa: N802 - Qt override
        size = QSize()
        for it in self._visible():
            size = size.expandedTo(it.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _visible(self) -> list:
        return [it for it in self._items if not (it.widget() is not None and it.widget().isHidden())]

    def _place(self, rect: QRect, apply: bool) -> int:
        m = self.contentsMargins()
        r = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        x, y, row_h = r.x(), r.y(), 0
        space = self.spacing()
        for it in self._visible():
            hint = it.sizeHint()
            w = min(hint.width(), r.width()) if r.width() > 0 else hint.width()
            if x + w > r.right() + 1 and row_h > 0:
                x, y, row_h = r.x(), y + row_h + space, 0
            if apply:
                it.setGeometry(QRect(QPoint(x, y), QSize(w, hint.height())))
            x += w + space
            row_h = max(row_h, hint.height())
        return y + row_h - rect.y() + m.bottom()

