"""Forks: the future a session would throw away, kept as *ghost branches*, and an undo for the
last discard — no Qt.

When the cursor is behind the head and the user steps, plays or changes a setting, the runs'
recorded future past the cursor would be discarded.  Instead ``Branching.set_aside`` copies the
runs as they were (``Run.clone``: their whole histories) into a ``Branch`` with the fork step
and what changed, then the live runs go back to the cursor and train on from there: the new
branch races the ghost, which is shown (already computed up to its old head), not re-trained.
At most ``MAX_GHOSTS`` ghosts holding ``GHOST_BYTES`` are kept; the oldest is dropped (with a
message) beyond that
(an undo may bring one back: one more until the next fork).

Undo (``Branching.undo``) restores the last discard, one level deep so memory stays bounded:
a dropped branch comes back to the list; after a fork the ghost becomes the live line again
(head, cursor, histories, settings exactly as they were) and the branch trained since the fork
becomes a ghost in its place (so a second undo swaps back); after a reset or a restart (a
setting that restarts the runs, a new start point) the runs come back as they were.

``Branching`` is a part of ``engine.session.Session`` (it uses the session's runs, cursor,
change log, lock and message hooks).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MAX_GHOSTS = 4
GHOST_BYTES = 64 * 2 ** 20     # the ghosts' histories together (a full opt4_7 ghost: ~16 MB)

# messages (English templates; an owner may translate them)
FORKED = ("the future past step {k} is kept as ghost branch {n} (see Branches); Ctrl+Z (Edit → Undo) "
          "makes it the main line again")
CAPPED = ("at most {cap} ghost branches ({mb} MB) are kept: the oldest one (forked at step {k}) was dropped; "
          "Ctrl+Z brings it back")
DROPPED = "ghost branch {n} (forked at step {k}) dropped; Ctrl+Z (Edit → Undo) brings it back"
DISCARDED = "the runs' history up to step {k} was discarded; Ctrl+Z (Edit → Undo) brings it back"
KEPT = "ghost branch {n} is kept as the run(s) {labels}: they train on from step {k} like any run"
NOT_KEPT = "ghost branch {n} trains another model or data set: it can be dropped, not kept as a run"
UNDONE_FORK = "undone: the branch forked at step {k} is the main line again"
UNDONE_DROP = "undone: ghost branch {n} (forked at step {k}) is back"
UNDONE_RESET = "undone: the runs are back as they were (step {k} of {head})"
NOTHING = "nothing to undo"
TEMPLATES = (FORKED, CAPPED, DROPPED, DISCARDED, KEPT, NOT_KEPT, UNDONE_FORK, UNDONE_DROP, UNDONE_RESET, NOTHING)


@dataclass
class Branch:
    """A ghost branch: copies of the runs as they were when their future was set aside.

    ``step``: the fork step (the cursor then; the live line trained on from it); ``cursor``
    the step shown then; ``what``: "setting" (``path`` of ``label``'s run, "" = all, from
    ``old`` to ``new``), "stepped", "played", or for an undo snapshot "reset" / "restart";
    ``changes`` and ``base``: the session's change log and base configuration then."""
    step: int
    runs: list
    what: str
    cursor: int = 0
    path: str = ""
    label: str = ""
    old: object = None
    new: object = None
    changes: list = field(default_factory=list)
    base: object = None
    number: int = 0                 # 1, 2, … in the order the ghosts were made

    @property
    def head(self) -> int:
        return max((r.step for r in self.runs), default=0)

    @property
    def nbytes(self) -> int:
        """Memory the ghost's histories hold."""
        return sum(sum(a.nbytes for a in r._h.values()) for r in self.runs)

    def losses_at(self, k: int) -> list[tuple[str, float]]:
        """Each run's full-data loss at step k (its last step when k is past it)."""
        return [(r.label, float(r.losses([min(int(k), r.step)])[0])) for r in self.runs]

    def differing(self, runs) -> list:
        """The ghost's runs whose settings differ from the live run of their label (or that have
        none): the others retrace the live steps exactly."""
        live = {r.label: r.config for r in runs}
        return [r for r in self.runs if live.get(r.label) != r.config]

    def fits(self, runs) -> bool:
        """Whether the ghost trains the live runs' model on their data (then it can be drawn
        with them and kept as a run)."""
        if not runs or not self.runs:
            return False
        a, b = runs[0].config, self.runs[0].config
        return (a.data, a.model) == (b.data, b.model) and all(
            r.problem.layout.size == runs[0].problem.layout.size for r in self.runs)


@dataclass
class Discard:
    """What the last undo restores: ``kind`` "fork" (``branch``: the ghost the fork made;
    ``capped``: the ghosts the cap dropped then), "drop" (``branch`` was at ``index``), "reset"
    (``branch``: the live runs before; ``what`` says which)."""
    kind: str
    branch: Branch
    index: int = 0
    capped: list = field(default_factory=list)


class Branching:
    """The forks part of ``engine.session.Session``."""
    branches: list
    last_discard: Discard | None = None
    _ghosts_made = 0

    def _snapshot(self, what: str, step: int, **how) -> Branch:
        """The live runs as they are now (copies), the cursor, change log and base."""
        return Branch(step, [r.clone() for r in self.runs], what, int(self.cursor), changes=list(self.changes),
                      base=self.base, **how)

    def has_future(self) -> bool:
        """Whether a run has recorded steps past the cursor (stepping on would discard them)."""
        return any(r.step > self.cursor for r in self.runs)

    def set_aside(self, what: str, **how) -> Branch | None:
        """Before the runs go back to the cursor: their future past it becomes a ghost branch
        (``what``/``how`` as in ``Branch``), then the runs are truncated to the cursor.  Returns
        the ghost (None when there was no future to keep)."""
        ghost = None
        if self.has_future():
            ghost = self._snapshot(what, int(self.cursor), **how)
            self._ghosts_made += 1
            ghost.number = self._ghosts_made
            capped = self._add_branch(ghost)
            self.last_discard = Discard("fork", ghost, capped=capped)
            self._tell_branch(FORKED, k=ghost.step, n=ghost.number)
            for old in capped:
                self._tell_branch(CAPPED, cap=MAX_GHOSTS, mb=GHOST_BYTES // 2 ** 20, k=old.step)
        self.truncate_to_cursor()
        if ghost is not None:
            self._notify("branches_changed")
        return ghost

    def _add_branch(self, branch: Branch, index: int | None = None) -> list:
        """Into the list (at ``index``, default the end); returns the oldest ghosts the cap dropped."""
        self.branches.insert(len(self.branches) if index is None else index, branch)
        dropped = []
        while len(self.branches) > 1 and (len(self.branches) > MAX_GHOSTS
                                          or sum(b.nbytes for b in self.branches) > GHOST_BYTES):
            dropped.append(self.branches.pop(0))
        return dropped

    def _tell_branch(self, template: str, **fields) -> None:
        from .session import Message
        self._tell(Message("info", template, fields))

    def keep_discarded(self, what: str) -> None:
        """Before a reset or a restart throws the runs' history away: it is kept for the undo."""
        if self.runs and self.head > 0:
            self.last_discard = Discard("reset", self._snapshot(what, int(self.cursor)))
            self._tell_branch(DISCARDED, k=self.head)

    def forget_branches(self) -> None:
        """Another preset or session: its ghosts and undo go."""
        self.branches = []
        self.last_discard = None
        self._notify("branches_changed")

    # --- what the user does with a branch ----------------------------------------------------
    def drop_branch(self, index: int) -> None:
        """Drop ghost ``index`` (the undo brings it back)."""
        branch = self.branches.pop(index)
        self.last_discard = Discard("drop", branch, index)
        self._tell_branch(DROPPED, n=branch.number, k=branch.step)
        self._notify("branches_changed")

    def keep_branch(self, index: int) -> list:
        """Ghost ``index``'s runs become runs of the comparison, labelled "label@step", trained on
        from their heads by play like any run: those whose settings differ from the live runs'
        (all of them when none does).  Returns their labels ([] when refused)."""
        branch = self.branches[index]
        if self.comparison is None or not branch.fits(self.runs):
            self._tell_branch(NOT_KEPT, n=branch.number)
            return []
        self.pause()
        labels = []
        with self.lock:
            taken = {r.label for r in self.runs}
            for r in branch.differing(self.runs) or branch.runs:
                label = base = f"{r.label}@{branch.step}"
                i = 2
                while label in taken:
                    label, i = f"{base}.{i}", i + 1
                taken.add(label)
                r.label = label
                labels.append(label)
                self.comparison.runs.append(r)
            del self.branches[index]
            self.cursor = self.head          # the kept runs are ahead: the others catch up as they train
            if self.last_discard is not None and self.last_discard.branch is branch:
                self.last_discard = None
        self._tell_branch(KEPT, n=branch.number, labels=", ".join(labels), k=branch.head)
        self._notify("branches_changed")
        self._notify("rebuilt")
        self._notify("config_changed", "")
        self._notify("frame")
        return labels

    # --- undo ------------------------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return self.last_discard is not None

    def undo(self) -> bool:
        """Restore the last discard (see the module's docstring); False when there is none."""
        d = self.last_discard
        if d is None:
            self._tell_branch(NOTHING)
            return False
        self.pause()
        with self.lock:
            self.last_discard = None
            if d.kind == "drop":
                capped = self._add_branch(d.branch, min(d.index, len(self.branches)))
                if capped:
                    self.last_discard = Discard("drop", capped[0], 0)
                self._tell_branch(UNDONE_DROP, n=d.branch.number, k=d.branch.step)
                self._notify("branches_changed")
                return True
            ghost = d.branch
            if d.kind == "fork":
                if ghost in self.branches:
                    at = self.branches.index(ghost)
                    self.branches.remove(ghost)
                else:
                    at = len(self.branches)
                self.branches[:0] = d.capped     # (one more than the cap until the next fork)
                at += len(d.capped)
                if self.head > ghost.step:       # the branch trained since the fork: a ghost now
                    live = self._live_branch(ghost)
                    self.branches.insert(at, live)
                    self.last_discard = Discard("fork", live)
            self._restore(ghost)
        if d.kind == "fork":
            self._tell_branch(UNDONE_FORK, k=ghost.step)
        else:
            self._tell_branch(UNDONE_RESET, k=self.cursor, head=self.head)
        self._notify("branches_changed")
        self._notify("rebuilt")
        self._notify("config_changed", "")
        self._notify("frame")
        return True

    def _live_branch(self, ghost: Branch) -> Branch:
        """The live line as a ghost forked where ``ghost`` was (its runs are handed over, not
        copied: the ghost's runs replace them)."""
        live = Branch(ghost.step, list(self.runs), ghost.what, ghost.step, ghost.path, ghost.label, ghost.new,
                      ghost.old, list(self.changes), self.base, ghost.number)
        return live

    def _restore(self, snap: Branch) -> None:
        """The live runs, cursor, change log and base become the snapshot's (its run objects)."""
        if self.comparison is None:
            return
        self.comparison.runs = list(snap.runs)
        self.comparison.base = snap.base
        self.changes = list(snap.changes)
        self.cursor = int(np.clip(snap.cursor, 0, self.head))
        self._reported = {}
