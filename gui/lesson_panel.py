"""The lesson panel: the lesson's title and progress, the step's text and formula, its question
with a Check button and the feedback, Back / Next.  It shows what ``gui.lesson_runner`` holds and
hands the answers to it; the lesson texts come in the interface language (the lesson file carries
each of its languages), the panel's own strings through ``tr``.
"""
from __future__ import annotations

import html
import re

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QButtonGroup, QFrame, QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton,
                               QRadioButton, QScrollArea, QVBoxLayout, QWidget)

from gui.i18n import LANGUAGE, tr
from gui.style import FONT_PT

RIGHT, WRONG = "#1B7F3B", "#B00020"
FORMULA_STYLE = ("font-family: 'DejaVu Sans Mono', 'Noto Sans Mono CJK SC', monospace; background: #F2F4F8;"
                 " padding: 6px; margin: 8px 0;")


def scripts_html(text: str) -> str:
    """Escaped ``text`` with ``^{…}`` as superscript and ``_{…}`` as subscript (nested braces
    allowed); a lone ^ or _ stays as it is."""
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch in "^_" and text[i + 1:i + 2] == "{":
            depth, j = 1, i + 2
            while j < len(text) and depth:
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                j += 1
            if depth == 0:
                tag = "sup" if ch == "^" else "sub"
                out.append(f"<{tag}>{scripts_html(text[i + 2:j - 1])}</{tag}>")
                i = j
                continue
        out.append(html.escape(ch))
        i += 1
    return "".join(out)


def formula_html(text: str, pt: int) -> str:
    """A formula block: one line per line, spaces kept, scripts raised and lowered."""
    lines = [scripts_html(line).replace("  ", "&nbsp;&nbsp;") for line in text.split("\n")]
    return f"<div style=\"{FORMULA_STYLE} font-size: {pt}pt;\">{'<br>'.join(lines)}</div>"


def text_html(text: str) -> str:
    """Paragraphs (blank lines), line breaks, `code` in monospace, scripts as in formulas."""
    paras = []
    for para in re.split(r"\n\s*\n", text.strip()):
        parts = re.split(r"`([^`]*)`", para)
        body = "".join(f"<code>{scripts_html(p)}</code>" if i % 2 else scripts_html(p) for i, p in enumerate(parts))
        paras.append(f"<p>{body.replace(chr(10), '<br>')}</p>")
    return "".join(paras)


class LessonPanel(QWidget):
    def __init__(self, runner, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner = runner
        self.scale = 1.0
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(6)
        self.body = QLabel()            # the step's text and formula
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        self.question = QFrame()
        self.question.setObjectName("lesson_question")
        self.question.setStyleSheet("#lesson_question { background: #FFF8E6; border: 1px solid #E8D9B0;"
                                    " border-radius: 4px; }")
        q = QVBoxLayout(self.question)
        self.prompt = QLabel()
        self.prompt.setWordWrap(True)
        self.prompt.setTextFormat(Qt.TextFormat.RichText)
        q.addWidget(self.prompt)
        self.choice_box = QWidget()
        self.choice_layout = QVBoxLayout(self.choice_box)
        self.choice_layout.setContentsMargins(8, 0, 0, 0)
        self.choice_group = QButtonGroup(self)
        self.choice_buttons: list[QRadioButton] = []
        q.addWidget(self.choice_box)
        self.number = QLineEdit()
        self.number.returnPressed.connect(self.check)
        q.addWidget(self.number)
        row = QHBoxLayout()
        self.check_button = QPushButton()
        self.check_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.check_button.clicked.connect(self.check)
        self.solution_button = QPushButton()
        self.solution_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.solution_button.clicked.connect(self._on_solution_clicked)
        row.addWidget(self.check_button)
        row.addWidget(self.solution_button)
        row.addStretch(1)
        q.addLayout(row)
        self.feedback = QLabel()
        self.feedback.setWordWrap(True)
        self.feedback.setTextFormat(Qt.TextFormat.RichText)
        self.feedback.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        q.addWidget(self.feedback)

        nav = QHBoxLayout()
        self.back_button = QPushButton()
        self.next_button = QPushButton()
        self.close_button = QPushButton()
        for b, slot in ((self.back_button, runner.back), (self.next_button, runner.next),
                        (self.close_button, runner.stop)):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(slot)
        nav.addWidget(self.back_button)
        nav.addWidget(self.next_button)
        nav.addStretch(1)
        nav.addWidget(self.close_button)

        # the text and the question scroll together (a long answer is never cut); Back/Next stay put
        content = QWidget()
        inner = QVBoxLayout(content)
        inner.setContentsMargins(0, 0, 4, 0)
        inner.addWidget(self.body)
        inner.addWidget(self.question)
        inner.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroll.setWidget(content)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 6)
        lay.addWidget(self.header)
        lay.addWidget(self.progress)
        lay.addWidget(self.scroll, 1)
        lay.addLayout(nav)
        runner.entered.connect(self._on_runner_entered)
        runner.checked.connect(self._on_runner_checked)
        LANGUAGE.changed.connect(self._on_language_changed)
        self.refresh()

    # --- what it shows --------------------------------------------------------------------------
    def pt(self, extra: int = 0) -> int:
        return max(8, round((FONT_PT + extra) * self.scale))

    def set_scale(self, scale: float) -> None:
        """Larger type (presenter mode) or back to normal (1.0)."""
        self.scale = scale
        self.refresh(keep_feedback=True)

    def refresh(self, keep_feedback: bool = False) -> None:
        r = self.runner
        lesson, step = r.lesson, r.step
        for w in (self.prompt, self.feedback, self.number, self.check_button, self.solution_button,
                  self.back_button, self.next_button, self.close_button):
            f = w.font()
            f.setPointSize(self.pt())
            w.setFont(f)
        self.back_button.setText(tr("◀ Back"))
        self.back_button.setToolTip(tr("The previous step (Page Up)"))
        self.next_button.setText(tr("Next ▶"))
        self.next_button.setToolTip(tr("The next step (Page Down)"))
        self.close_button.setText(tr("Close lesson"))
        self.close_button.setToolTip(tr("Leave the lesson: the window's layout comes back"))
        self.solution_button.setText(tr("Show a solution"))
        self.solution_button.setToolTip(tr("Put settings that meet the goals into the setup; press Check to see"))
        self.number.setPlaceholderText(tr("your answer, e.g. 0.5"))
        if lesson is None:
            self.header.setText(tr("No lesson is open: pick one in the Lessons menu."))
            self.body.clear()
            self.question.hide()
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
            for b in (self.back_button, self.next_button, self.close_button):
                b.setEnabled(False)
            return
        n = len(lesson.steps)
        title = r.text(step.title) if step.title else ""
        head = (f"<div style='font-size:{self.pt(2)}pt'><b>{html.escape(lesson.section)} "
                f"{html.escape(r.text(lesson.title))}</b></div>"
                f"<div style='font-size:{self.pt(-1)}pt; color:#505050'>"
                + html.escape(tr("Step {k} of {n}", k=r.index + 1, n=n))
                + (f" · {html.escape(title)}" if title else "") + "</div>")
        self.header.setText(head)
        self.progress.setRange(0, n)
        self.progress.setValue(r.index + 1)
        body = f"<div style='font-size:{self.pt()}pt'>{text_html(r.text(step.text))}</div>"
        if step.formula is not None:
            body += formula_html(r.text(step.formula), self.pt(1))
        self.body.setText(body)
        if not keep_feedback:
            self.scroll.verticalScrollBar().setValue(0)
        self.back_button.setEnabled(r.index > 0)
        self.next_button.setEnabled(r.index + 1 < n)
        self.close_button.setEnabled(True)
        self._show_question(step.question, keep_feedback)

    def _show_question(self, q, keep_feedback: bool) -> None:
        r = self.runner
        self.question.setVisible(q is not None)
        if q is None:
            return
        label = {"choice": tr("Predict"), "number": tr("Predict"), "task": tr("Task")}[q.kind]
        self.prompt.setText(f"<b>{html.escape(label)}:</b> {scripts_html(r.text(q.prompt))}")
        checked = self.choice_group.checkedId()
        for b in self.choice_buttons:
            self.choice_group.removeButton(b)
        while self.choice_layout.count():
            row = self.choice_layout.takeAt(0).widget()
            if row is not None:
                row.deleteLater()
        self.choice_buttons = []
        for i, c in enumerate(q.choices):
            self.choice_layout.addWidget(self._choice_row(i, r.text(c.text), keep_feedback and i == checked))
        self.choice_box.setVisible(q.kind == "choice")
        self.number.setVisible(q.kind == "number")
        if not keep_feedback:
            self.number.clear()
        runs = q.run_to is not None and q.kind != "task"
        self.check_button.setText(tr("Run and check") if runs else tr("Check"))
        self.check_button.setToolTip(tr("Check your answer (Ctrl+Return)") if not runs else
                                     tr("Train to step {k}, then check your answer (Ctrl+Return)", k=f"{q.run_to:,}"))
        self.solution_button.setVisible(q.kind == "task" and q.solution is not None)
        if keep_feedback and r.verdict is not None:
            self._on_runner_checked(r.verdict)
        else:
            self.feedback.clear()
            self.feedback.hide()

    def _choice_row(self, i: int, text: str, checked: bool) -> QWidget:
        """A radio button and its text beside it, which wraps (a radio button's own text cannot,
        and a long choice in large type would push the panel wider than its dock)."""
        row = QWidget()
        lay = QHBoxLayout(row)
        lay.setContentsMargins(0, 0, 0, 0)
        button = QRadioButton(f"{i + 1}.")
        label = QLabel(text)
        label.setWordWrap(True)
        label.mousePressEvent = lambda _e, b=button: b.setChecked(True)
        for w in (button, label):
            f = w.font()
            f.setPointSize(self.pt())
            w.setFont(f)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setChecked(checked)
        self.choice_group.addButton(button, i)
        self.choice_buttons.append(button)
        lay.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(label, 1)
        return row

    # --- answers --------------------------------------------------------------------------------
    def choose(self, index: int) -> None:
        """Pick choice ``index`` (0-based; keys 1…9 do it)."""
        if 0 <= index < len(self.choice_buttons):
            self.choice_buttons[index].setChecked(True)

    def answer(self):
        q = self.runner.step.question if self.runner.step else None
        if q is None:
            return None
        if q.kind == "choice":
            i = self.choice_group.checkedId()
            return None if i < 0 else i
        if q.kind == "number":
            return self.number.text()
        return None

    def check(self) -> None:
        """Check the answer given in the panel (the Check button, Ctrl+Return)."""
        q = self.runner.step.question if self.runner.step else None
        if q is None:
            return
        self.runner.check(self.answer())

    def _on_solution_clicked(self) -> None:
        self.runner.apply_solution()

    def _on_runner_checked(self, verdict) -> None:
        detail = verdict.detail_text(tr)
        self._show_feedback(verdict.ok, self.runner.text(verdict.feedback), detail)

    def _show_feedback(self, ok: bool, text: str, detail: str) -> None:
        if not text:               # not answered yet: only what to do
            self.feedback.setText(f"<div style='font-size:{self.pt()}pt; color:{WRONG}'>{html.escape(detail)}</div>")
            self.feedback.show()
            return
        mark = "✓" if ok else "✗"           # the lesson's own text says right or not
        colour = RIGHT if ok else WRONG
        body = (f"<div style='font-size:{self.pt()}pt'><b style='color:{colour}'>{html.escape(mark)}</b> "
                f"{scripts_html(text)}</div>")
        if detail:
            body += (f"<div style='font-size:{self.pt(-1)}pt; color:#404040; margin-top:4px'>"
                     f"{html.escape(detail).replace(chr(10), '<br>')}</div>")
        self.feedback.setText(body)
        self.feedback.show()
        QTimer.singleShot(0, self._show_feedback_whole)

    def _show_feedback_whole(self) -> None:
        """Scroll so that the feedback (once laid out) is on screen."""
        if self.feedback.isVisible():
            self.scroll.ensureWidgetVisible(self.feedback, 0, 8)

    def _on_runner_entered(self, _index: int) -> None:
        self.refresh()

    def _on_language_changed(self, _code: str) -> None:
        self.refresh(keep_feedback=True)
