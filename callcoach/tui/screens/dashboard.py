"""Manager dashboard: funnel, leaderboard, trends, prime time, clusters, objections, goals.

A thin screen: every figure comes from the review service, over
:mod:`callcoach.core.review`'s funnels and slices (the same functions ``callcoach report``
uses), so the dashboard and the scorecard agree to the digit. A rep's own page is
:class:`~callcoach.tui.screens.rep_view.RepViewScreen`.
"""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    Select,
    Static,
    TabbedContent,
    TabPane,
    Tabs,
)
from textual_plotext import PlotextPlot

from callcoach.core.drills.progress import DrillProgressRow
from callcoach.core.review.access import BesideTeam, ReviewAccess, review_access
from callcoach.core.review.comparisons import Comparison, RateChange, change, comparison_line
from callcoach.core.review.export import cell_text, seconds_text
from callcoach.core.review.filters import ReportFilter, make_filter, parse_zone
from callcoach.core.review.funnels import Funnel
from callcoach.core.review.metrics import DEFINITIONS, Ratio
from callcoach.core.review.objections import ObjectionStat, OrderStat
from callcoach.core.review.slices import Slice
from callcoach.core.review.tables import funnel_values
from callcoach.errors import CallcoachError
from callcoach.tui.screens.rep_view import RepViewScreen
from callcoach.tui.screens.review_text import bar, comparison_lines, funnel_lines, sum_funnels
from callcoach.tui.text import cell, markup

PERIOD_OPTIONS = [
    ("This week", "this-week"),
    ("Last week", "last-week"),
    ("This month", "this-month"),
    ("Last month", "last-month"),
    ("Custom", "custom"),
]
ALL = -1

LEADERBOARD = [
    ("Rep", "rep", "text"),
    ("Blocks", "blocks", "int"),
    ("Dials", "dials", "int"),
    ("Convs", "conversations", "int"),
    ("Mtgs", "meetings", "int"),
    ("Connect/dial", "connect_rate", "ratio"),
    ("Mtg/conv", "set_per_conversation", "ratio"),
    ("Mtg/dial", "set_per_dial", "ratio"),
    ("Avg call", "avg_call", "seconds"),
    (">3 min", "long_share", "ratio"),
    ("Dead/blk", "dead_per_block", "seconds"),
]
#: The leaderboard's changes against the previous comparable period: (header, figure).
LEADERBOARD_CHANGES = [("Dials chg", "dials"), ("Mtgs chg", "meetings"),
                       ("Connect chg", "connect_rate")]


def definitions_text() -> str:
    """What a connect and a conversation are (the counts every panel shows)."""
    return "\n".join(markup(f"{name.capitalize()}: {DEFINITIONS[name]}.")
                     for name in ("connect", "conversation"))


class DashboardScreen(Screen):
    """The manager's review of the team's calls over a period."""

    CSS_PATH = "dashboard.tcss"
    BINDINGS = [
        # Short labels so the footer holds every key at 80 columns; help shows the tooltips.
        Binding("w", "period('this-week')", "Week", tooltip="This week", id="dashboard.this_week"),
        Binding("p", "period('last-week')", "Last wk", tooltip="Last week", id="dashboard.last_week"),
        Binding("t", "period('this-month')", "Month", tooltip="This month", id="dashboard.this_month"),
        Binding("c", "custom", "Dates", tooltip="Custom dates", id="dashboard.custom"),
        Binding("v", "rep_view", "Rep", tooltip="Rep view", id="dashboard.rep_view"),
        Binding("g", "goals", "Goals", id="dashboard.goals"),
        Binding("l", "planner", "Plan", tooltip="Planner", id="dashboard.planner"),
        Binding("r", "refresh", "Refresh", id="dashboard.refresh"),
        # named on the Prime time tab itself ("z: the prospects' local time")
        Binding("z", "prospect_time", "Zone: you/prospects", id="dashboard.prospect_time",
                show=False),
        Binding("escape", "back", "Back", id="dashboard.back"),
        *[
            Binding(str(n), f"tab('{tab}')", f"{name} tab", id=f"dashboard.tab{n}", show=False)
            for n, (tab, name) in enumerate(
                [("tab-overview", "Overview"), ("tab-reps", "Reps"), ("tab-trends", "Trends"),
                 ("tab-time", "Prime time"), ("tab-lists", "Lists"),
                 ("tab-objections", "Objections"), ("tab-drills", "Drills")],
                start=1,
            )
        ],
    ]

    def __init__(self, zone: str | None = None) -> None:
        super().__init__()
        self.zone = parse_zone(zone).key
        self.filter: ReportFilter | None = None
        self.rep_rows: list[Slice] = []
        self._ready = False
        self._stale: set[str] = set()  # panels to reload when next shown
        self._comparison: Comparison | None = None  # the previous comparable period
        self._totals: tuple[Funnel, Funnel] | None = None  # (now, previous) whole funnels
        self.access: ReviewAccess | None = None  # who sees what (set when composed)
        self.prospect_local = False  # prime time in the prospects' local time (key z)

    def compose(self) -> ComposeResult:
        """Filters on top, tabs of panels below."""
        review = self.app.service.review
        me = self.app.rep
        self.access = access = review_access(me.role, int(me.id), me.name)
        reps = [(markup(name), rep_id) for name, rep_id in review.rep_choices()]
        if access.own_only:  # a rep's dashboard is about their own figures
            reps = [(markup(me.name), int(me.id))]
        lists = [(markup(name), list_id) for name, list_id in review.list_choices()]
        yield Header()
        with Horizontal(id="dash-filters"):
            yield Select(PERIOD_OPTIONS, value="this-week", allow_blank=False, id="period",
                         compact=True)
            yield Input(placeholder="since YYYY-MM-DD", id="since", compact=True)
            yield Input(placeholder="until YYYY-MM-DD", id="until", compact=True)
            if access.own_only:
                yield Select(reps, value=int(me.id), allow_blank=False, id="rep", compact=True,
                             disabled=True)
            else:
                yield Select([("All reps", ALL), *reps], value=ALL,
                             allow_blank=False, id="rep", compact=True)
            yield Select([("All lists", ALL), *lists], value=ALL,
                         allow_blank=False, id="list", compact=True)
        yield Static("", id="dash-status")
        with TabbedContent(id="dash-tabs"):
            with TabPane("Overview", id="tab-overview"):
                with VerticalScroll():
                    yield Static("", id="funnel")
                    yield Static("", id="rates")
                    yield Static("", id="cmp-overview", classes="compare")
                    yield Static("", id="team")
                    yield Label("Goals", classes="section")
                    yield DataTable(id="goals", cursor_type="none", zebra_stripes=True)
                    yield Static(definitions_text(), id="definitions", classes="compare")
            with TabPane("Reps", id="tab-reps"):
                yield Static("", id="cmp-reps", classes="compare")
                yield DataTable(id="leaderboard", cursor_type="row", zebra_stripes=True)
                yield Static("Enter or v: rep view", classes="muted")
            with TabPane("Trends", id="tab-trends"):
                with Vertical():
                    yield Static("", id="cmp-trends", classes="compare")
                    yield PlotextPlot(id="trend-plot")
                    yield DataTable(id="weeks", cursor_type="none", zebra_stripes=True)
            with TabPane("Prime time", id="tab-time"):
                yield Static("", id="cmp-time", classes="compare")
                yield Static("", id="time-note", classes="muted")
                with Horizontal():
                    yield DataTable(id="hours", cursor_type="none", zebra_stripes=True)
                    yield DataTable(id="weekdays", cursor_type="none", zebra_stripes=True)
            with TabPane("Lists", id="tab-lists"):
                with Vertical():
                    yield Static("", id="cmp-lists", classes="compare")
                    yield DataTable(id="lists-table", cursor_type="none", zebra_stripes=True)
                    yield DataTable(id="clusters", cursor_type="none", zebra_stripes=True)
            with TabPane("Objections", id="tab-objections"):
                with Vertical():
                    yield Static("", id="cmp-objections", classes="compare")
                    yield DataTable(id="objections", cursor_type="none", zebra_stripes=True)
                    yield DataTable(id="objection-order", cursor_type="none",
                                    zebra_stripes=True)
            with TabPane("Drills", id="tab-drills"):
                yield DataTable(id="drill-progress", cursor_type="none", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Set up table columns and load the default period (this week)."""
        self.query_one("#leaderboard", DataTable).add_columns(
            *[h for h, _, _ in LEADERBOARD], *[h for h, _ in LEADERBOARD_CHANGES])
        self.query_one("#goals", DataTable).add_columns("Rep", "Blocks", "Dials", "Meetings")
        self.query_one("#weeks", DataTable).add_columns(
            "Week", "Blocks", "Dials", "Convs", "Mtgs", "Goal dials", "Goal mtgs",
            "Connect/dial", "Mtg/dial")
        self.query_one("#hours", DataTable).add_columns("Hour", "Dials", "Connect/dial", "",
                                                        "Connect chg")
        self.query_one("#weekdays", DataTable).add_columns("Day", "Dials", "Connect/dial", "",
                                                           "Connect chg")
        self.query_one("#lists-table", DataTable).add_columns(
            "List", "Cluster", "Blocks", "Shared", "Dials", "Convs", "Mtgs", "Connect/dial",
            "Mtg/conv", "Mtg/dial", "Mtgs chg")
        self.query_one("#clusters", DataTable).add_columns(
            "Cluster", "Blocks", "Shared", "Dials", "Convs", "Mtgs", "Connect/dial", "Mtg/conv",
            "Mtg/dial", "Mtgs chg")
        self.query_one("#objections", DataTable).add_columns(
            "Objection", "Raised", "Raised chg", "Overcome", "Mtgs after", "Mtgs/call")
        self.query_one("#objection-order", DataTable).add_columns(
            "Call ended", "Calls", "Meetings won")
        self.query_one("#drill-progress", DataTable).add_columns(
            "Trainee", "Objection", "Drilled", "Avg", "Trainer avg", "Last 14 d", "Live lost")
        self._show_only_allowed_panels()
        self._ready = True
        self.action_refresh()
        self._focus_panels()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keep out of the footer what this person's role does not do (goals: a manager's)."""
        if action == "goals" and self.access is not None and not self.access.may_set_goals:
            return False
        return True

    def _show_only_allowed_panels(self) -> None:
        """Hide the panels this person's role does not see, and open on the first one."""
        access = self.access
        assert access is not None
        tabs = self.query_one("#dash-tabs", TabbedContent)
        for tab in self.TABS:
            if self._panel(tab) not in access.panels:
                tabs.hide_tab(tab)
        tabs.active = f"tab-{access.panels[0]}"
        self.query_one("#team", Static).display = access.own_only

    @staticmethod
    def _panel(tab: str) -> str:
        return tab.removeprefix("tab-")

    def _allowed(self, tab: str) -> bool:
        return self.access is None or self._panel(tab) in self.access.panels

    # --- filters ---------------------------------------------------------------------

    def _build_filter(self) -> ReportFilter:
        period = self.query_one("#period", Select).value
        since = self.query_one("#since", Input).value.strip() or None
        until = self.query_one("#until", Input).value.strip() or None
        rep = self.query_one("#rep", Select).value
        lst = self.query_one("#list", Select).value
        if period != "custom":
            since = until = None
        f = make_filter(self.app.clock.now(), self.zone, str(period), since, until)
        rep_ids = () if rep == ALL or rep is Select.NULL else (int(str(rep)),)
        if self.access is not None:
            rep_ids = self.access.rep_ids(rep_ids)
        list_ids = () if lst == ALL else (int(lst),)
        return self.app.service.review.scoped(f, rep_ids, list_ids)

    def on_select_changed(self, event: Select.Changed) -> None:
        """A filter change reloads the panels (not the selects reporting their first value)."""
        if self._ready:
            self.action_refresh(only_if_changed=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Typing a date and pressing enter switches to the custom period; once it applies,
        focus leaves the date field so the next key (``2``, ``p``...) acts on the dashboard.
        A bad date keeps the focus there, to be corrected."""
        self.query_one("#period", Select).value = "custom"
        if self._apply_filters():
            self._focus_panels()

    def action_period(self, period: str) -> None:
        """Jump to a named period."""
        self.query_one("#period", Select).value = period

    def action_tab(self, tab: str) -> None:
        """Show one of the panels (keys 1-7; only those this person's role sees)."""
        if not self._allowed(tab):
            return
        self.query_one("#dash-tabs", TabbedContent).active = tab
        if tab == "tab-reps":
            self.query_one("#leaderboard", DataTable).focus()

    def action_custom(self) -> None:
        """Focus the since field for a custom period."""
        self.query_one("#since", Input).focus()

    def _focus_panels(self) -> None:
        """Give the keyboard back to the dashboard (the tabs), out of any filter field."""
        self.query_one("#dash-tabs", TabbedContent).query_one(Tabs).focus()

    def action_back(self) -> None:
        """Leave the dashboard (or the date field being edited)."""
        if isinstance(self.focused, Input):
            self._focus_panels()
            return
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def action_prospect_time(self) -> None:
        """Prime time in the prospects' local time, or back in the viewer's zone."""
        if not self._allowed("tab-time"):
            return
        self.prospect_local = not self.prospect_local
        self._stale.add("tab-time")
        tabs = self.query_one("#dash-tabs", TabbedContent)
        if tabs.active == "tab-time":
            self._load_tab("tab-time")
        else:
            tabs.active = "tab-time"

    def action_goals(self) -> None:
        """Set a rep's weekly goals (the filtered rep, for the week on show)."""
        from callcoach.tui.screens.goals import GoalsScreen

        if self.filter is None:
            return
        if self.access is not None and not self.access.may_set_goals:
            self.notify("Weekly goals are set by a manager.", severity="warning")
            return
        today = self.app.clock.now().astimezone(self.filter.tz).date()
        rep = self.filter.rep_ids[0] if self.filter.rep_ids else None

        def saved(done: bool | None) -> None:
            if done:
                self.action_refresh()
                self.notify("Goal saved.")

        self.app.push_screen(GoalsScreen(min(self.filter.until, today), rep), saved)

    def action_planner(self) -> None:
        """Open the pipeline planner."""
        from callcoach.tui.screens.planner import PlannerScreen

        self.app.push_screen(PlannerScreen(zone=self.zone))

    def action_rep_view(self) -> None:
        """Open the rep under the leaderboard cursor (or the filtered rep)."""
        if self.filter is None:
            return
        rep_id = None
        if not self._allowed("tab-reps"):  # the trainer: the rep chosen in the filter
            if not self.filter.rep_ids:
                self.notify("Choose a rep in the filter first.", severity="warning")
                return
            self.app.push_screen(RepViewScreen(self.filter.rep_ids[0], self.filter))
            return
        self._load_tab("tab-reps")
        table = self.query_one("#leaderboard", DataTable)
        if self.rep_rows and table.cursor_row is not None and table.cursor_row < len(
            self.rep_rows
        ):
            rep_id = self.rep_rows[table.cursor_row].key
        elif self.filter.rep_ids:
            rep_id = self.filter.rep_ids[0]
        if rep_id is None:
            self.notify("No rep to show: no calls in this period.", severity="warning")
            return
        self.app.push_screen(RepViewScreen(int(rep_id), self.filter))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a leaderboard row opens that rep."""
        if event.data_table.id == "leaderboard":
            self.action_rep_view()

    # --- loading ---------------------------------------------------------------------

    TABS = ("tab-overview", "tab-reps", "tab-trends", "tab-time", "tab-lists",
            "tab-objections", "tab-drills")

    def action_refresh(self, only_if_changed: bool = False) -> None:
        """Apply the filters: reload the panel on show now, the others when first shown."""
        self._apply_filters(only_if_changed)

    def _apply_filters(self, only_if_changed: bool = False) -> bool:
        """Apply the filters (see :meth:`action_refresh`); False when they are refused, the
        error then saying which period the panels below still show."""
        status = self.query_one("#dash-status", Static)
        try:
            f = self._build_filter()
        except CallcoachError as exc:
            shown = f" (still showing {self.filter.describe()})" if self.filter else ""
            status.update(f"[b red]{markup(exc)}[/]{markup(shown)}")
            return False
        if only_if_changed and f == self.filter:
            return True
        self.filter = f
        self._comparison = self.app.service.review.comparison(f)
        self._totals = None
        who = ""
        if self.access is not None and self.access.own_only:
            who = "Your figures beside the team's · "
        elif self.access is not None and self.access.role == "trainer":
            who = "Trainer: drills and objections · "
        status.update(markup(f"{who}{f.describe()} · {f.scope()}"))
        self._stale = set(self.TABS)
        self._load_tab(self.query_one("#dash-tabs", TabbedContent).active)
        return True

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """Load a panel the first time it is shown for the current filters."""
        if event.pane is not None and event.pane.id:
            self._load_tab(event.pane.id)

    def _load_tab(self, tab: str) -> None:
        """Run the queries of one panel (only its own, so the first paint is quick)."""
        f = self.filter
        if f is None or tab not in self._stale or not self._allowed(tab):
            return
        self._stale.discard(tab)
        review = self.app.service.review
        c = self._comparison
        assert c is not None
        prev = c.previous
        own = self.access is not None and self.access.own_only
        if tab == "tab-overview":
            o = review.overview(f)
            self._show_overview(o.funnel, o.progress, o.week)
            now, before = self._whole(o.funnel)
            self.query_one("#cmp-overview", Static).update(
                "\n".join(markup(line) for line in comparison_lines(c, now, before)))
            if own and self.access is not None:
                self._show_team(review.beside_team(f, self.access.rep_id))
        elif tab == "tab-reps" and own and self.access is not None:
            self._show_beside_team(review.beside_team(f, self.access.rep_id))
            self._compare("#cmp-reps", self._whole()[0])
        elif tab == "tab-reps":
            reps = review.leaderboard(f)
            self._show_leaderboard(reps, review.leaderboard(prev))
            self._compare("#cmp-reps", sum_funnels(s.funnel for s in reps))
        elif tab == "tab-drills":
            self._show_drills(review.drill_progress(f))
        elif tab == "tab-trends":
            self._show_trends(*review.trends(f))
            self._compare("#cmp-trends", self._whole()[0])
        elif tab == "tab-time" and self.prospect_local:
            pt, pt_before = review.prospect_time(f), review.prospect_time(prev)
            self._show_time(pt.hours, pt.weekdays, pt_before.hours, pt_before.weekdays)
            self._compare("#cmp-time", sum_funnels(s.funnel for s in pt.hours))
            unzoned = (f" · {pt.unzoned_dials} dials to contacts without a known zone counted "
                       f"in {f.zone}" if pt.unzoned_dials else "")
            zones = ", ".join(pt.zones) or "none known"
            if len(pt.zones) > 3:
                zones = f"{len(pt.zones)} zones: {', '.join(pt.zones[:3])} ..."
            self.query_one("#time-note", Static).update(markup(
                f"Hours in the prospects' local time ({zones}){unzoned} · z: your zone"))
        elif tab == "tab-time":
            hours, days = review.time_of_day(f)
            self._show_time(hours, days, *review.time_of_day(prev))
            self._compare("#cmp-time", sum_funnels(s.funnel for s in hours))
            self.query_one("#time-note", Static).update(markup(
                f"Hours in your zone ({f.zone}) · z: the prospects' local time"))
        elif tab == "tab-lists":
            lists, clusters = review.lists_and_clusters(f)
            self._show_lists(lists, clusters, *review.lists_and_clusters(prev))
            self._compare("#cmp-lists", sum_funnels(s.funnel for s in lists))
        elif tab == "tab-objections":
            stats, order = review.objection_analysis(f)
            before_stats, _ = review.objection_analysis(prev)
            self._show_objections(stats, order, before_stats)
            raised = change(sum(o.raised for o in stats), sum(o.raised for o in before_stats))
            assert raised is not None
            self.query_one("#cmp-objections", Static).update(markup(
                f"{c.describe()}: objections raised {sum(o.raised for o in stats)} vs "
                f"{sum(o.raised for o in before_stats)} ({raised.text()})"))

    def _whole(self, now: Funnel | None = None) -> tuple[Funnel, Funnel]:
        """(this period's, the previous comparable period's) whole funnels, read once per
        filter (``now`` when the panel already has it)."""
        if self._totals is None:
            review = self.app.service.review
            assert self.filter is not None and self._comparison is not None
            self._totals = (now if now is not None else review.funnel(self.filter),
                            review.funnel(self._comparison.previous))
        return self._totals

    def _compare(self, widget: str, now: Funnel) -> None:
        """A panel's comparison line: its figures against the previous comparable period's
        (the previous whole funnel: every panel's rows add up to it)."""
        assert self._comparison is not None
        before = self._whole()[1]
        self.query_one(widget, Static).update(
            markup(comparison_line(self._comparison, now, before)))

    def _show_overview(self, fu: Funnel, progress: list, week: date) -> None:
        self.query_one("#funnel", Static).update("\n".join(funnel_lines(fu)))
        self.query_one("#rates", Static).update(
            "Appointment-set rate: "
            f"per dial {fu.set_per_dial.text()} · per connect {fu.set_per_connect.text()} · "
            f"per conversation {fu.set_per_conversation.text()}\n"
            f"Avg call {seconds_text(fu.avg_call_seconds)} · over 3 min "
            f"{fu.long_share.text()} · blocks {fu.blocks} · dead time per block "
            f"{seconds_text(fu.dead_seconds_per_block)}"
            + (
                "\n\nNo calls in this period: try another (p last week, t this month, "
                "c custom). Trying callcoach out? `callcoach demo history` plays a made-up "
                "team through the last four weeks."
                if fu.dials == 0
                else ""
            )
        )
        table = self.query_one("#goals", DataTable)
        table.clear()
        for p in progress:
            table.add_row(cell(p.rep), p.cell("blocks"), p.cell("dials"), p.cell("meetings"))
        monday = week.toordinal() - week.weekday()
        label = self.query_one(".section", Label)
        label.update(f"Goals, week of {date.fromordinal(monday)}")

    def _show_leaderboard(self, reps: list[Slice], before: list[Slice]) -> None:
        table = self.query_one("#leaderboard", DataTable)
        table.clear()
        self.rep_rows = reps
        previous = {s.key: s.funnel for s in before}
        for s in reps:
            values = {"rep": s.label, **funnel_values(s.funnel)}  # cells escaped below
            old = previous.get(s.key, Funnel())
            changes = [change(getattr(s.funnel, k), getattr(old, k))
                       for _, k in LEADERBOARD_CHANGES]
            table.add_row(*[cell(cell_text(values[k], kind)) for _, k, kind in LEADERBOARD],
                          *[cell(cell_text(ch, "change")) for ch in changes],
                          key=str(s.key))

    def _show_team(self, b: BesideTeam) -> None:
        """The team's aggregates under the rep's own funnel (the rep's dashboard)."""
        t = b.team
        n = b.team_reps
        self.query_one("#team", Static).update(
            f"[b]Team[/b] ({n} rep{'s' if n != 1 else ''} with calls): dials {t.dials}"
            f" ({cell_text(b.per_rep(t.dials), 'int')} per rep) · conversations "
            f"{t.conversations} · meetings {t.meetings}"
            f" ({cell_text(b.per_rep(t.meetings), 'int')} per rep)\n"
            f"Team rates: connect/dial {t.connect_rate.text()} · mtg/conv "
            f"{t.set_per_conversation.text()} · mtg/dial {t.set_per_dial.text()} · avg call "
            f"{seconds_text(t.avg_call_seconds)}\n"
            f"You: connect/dial {b.own.connect_rate.text()} · mtg/conv "
            f"{b.own.set_per_conversation.text()} · mtg/dial {b.own.set_per_dial.text()} · "
            f"avg call {seconds_text(b.own.avg_call_seconds)}"
        )

    def _show_beside_team(self, b: BesideTeam) -> None:
        """The rep's own row, then the team per rep and the team's total (no other rep's)."""
        assert self.access is not None
        table = self.query_one("#leaderboard", DataTable)
        table.clear()
        self.rep_rows = [Slice(self.access.rep_id, self.access.rep_name, b.own)]
        team = funnel_values(b.team)
        per_rep = {k: (b.per_rep(v) if k in ("blocks", "dials", "conversations", "meetings")
                       else v) for k, v in team.items()}
        for label, values in ((f"{self.access.rep_name} (you)", funnel_values(b.own)),
                              (f"Team, per rep ({b.team_reps})", per_rep),
                              ("Team total", team)):
            values = {"rep": label, **values}
            table.add_row(*[cell(cell_text(values[k], kind)) for _, k, kind in LEADERBOARD])

    def _show_drills(self, rows: list[DrillProgressRow]) -> None:
        table = self.query_one("#drill-progress", DataTable)
        table.clear()
        for r in rows:
            table.add_row(
                cell(r.trainee), cell(r.objection_text), str(r.prompts),
                "-" if r.avg_overall is None else f"{r.avg_overall:.1f}",
                "-" if r.trainer_avg is None else f"{r.trainer_avg:.1f}",
                "-" if r.recent_avg is None else f"{r.recent_avg:.1f}",
                f"{r.live_lost}/{r.live_raised}" if r.live_raised else "-",
            )

    def _show_trends(self, weeks: list[Slice], goals: dict) -> None:
        table = self.query_one("#weeks", DataTable)
        table.clear()
        for w in weeks:
            g = goals.get(w.key)
            fu = w.funnel
            table.add_row(cell(w.label), str(fu.blocks), str(fu.dials), str(fu.conversations),
                          str(fu.meetings), str(g.dials) if g else "-",
                          str(g.meetings) if g else "-", fu.connect_rate.text(),
                          fu.set_per_dial.text())
        plot = self.query_one("#trend-plot", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        labels = [w.key.strftime("%d %b") for w in weeks]
        xs = list(range(1, len(weeks) + 1))
        if weeks:
            # Meetings are a few a week beside hundreds of dials: on the dials' axis their bars
            # round to nothing, so they get the right-hand axis of their own.
            plt.multiple_bar(xs, [[w.funnel.dials for w in weeks],
                                  [w.funnel.conversations for w in weeks]],
                             labels=["dials", "conversations"])
            plt.plot(xs, [w.funnel.meetings for w in weeks], yside="right", marker="braille",
                     color="green", label="meetings (right axis)")
            plt.scatter(xs, [w.funnel.meetings for w in weeks], yside="right", marker="●",
                        color="green")
            top = max((w.funnel.meetings for w in weeks), default=0)
            plt.ylim(0, max(top, 1), yside="right")
            plt.yticks(list(range(0, top + 1, max(1, (top + 4) // 5))), yside="right")
            plt.ylabel("dials, conversations")
            plt.ylabel("meetings", yside="right")
            first = True
            for x, w in zip(xs, weeks, strict=True):
                if w.key in goals:  # a short goal bar over each week that has a dial goal
                    g = goals[w.key].dials
                    plt.plot([x - 0.45, x + 0.45], [g, g], color="red", marker="hd",
                             label="dial goal" if first else None)
                    first = False
            plt.xticks(xs, labels)
        plt.title("Per week")
        plot.refresh()

    def _show_time(self, hours: list[Slice], days: list[Slice], hours_before: list[Slice],
                   days_before: list[Slice]) -> None:
        for table_id, rows, before in (("#hours", hours, hours_before),
                                       ("#weekdays", days, days_before)):
            table = self.query_one(table_id, DataTable)
            table.clear()
            previous = {s.key: s.funnel.connect_rate for s in before}
            for s in rows:
                rate = s.funnel.connect_rate
                table.add_row(cell(s.label), str(s.funnel.dials), rate.text(), bar(rate, 16),
                              RateChange(rate, previous.get(s.key, Ratio(0, 0))).text())

    def _show_lists(self, lists: list[Slice], clusters: list[Slice], lists_before: list[Slice],
                    clusters_before: list[Slice]) -> None:
        for table_id, rows, before in (("#lists-table", lists, lists_before),
                                       ("#clusters", clusters, clusters_before)):
            table = self.query_one(table_id, DataTable)
            table.clear()
            previous = {s.key: s.funnel.meetings for s in before}
            for s in rows:
                fu = s.funnel
                first = [cell(s.label)]
                if table_id == "#lists-table":
                    first.append(cell(s.extra.get("cluster", "")))
                mtgs = change(fu.meetings, previous.get(s.key, 0))
                table.add_row(*first, cell_text(fu.blocks, "share"), str(fu.shared_blocks),
                              str(fu.dials), str(fu.conversations), str(fu.meetings),
                              fu.connect_rate.text(), fu.set_per_conversation.text(),
                              fu.set_per_dial.text(), cell_text(mtgs, "change"))

    def _show_objections(self, stats: list[ObjectionStat], order: list[OrderStat],
                         before: list[ObjectionStat]) -> None:
        table = self.query_one("#objections", DataTable)
        table.clear()
        previous = {o.objection_id: o.raised for o in before}
        for o in stats:
            raised = change(o.raised, previous.get(o.objection_id, 0))
            table.add_row(cell(o.text), str(o.raised), cell_text(raised, "change"),
                          o.overcome_rate.text(), str(o.meetings), o.won_rate.text())
        table = self.query_one("#objection-order", DataTable)
        table.clear()
        for o in order:
            label = "meeting, no objection" if o.objections == 0 else f"{o.label} objection"
            table.add_row(cell(label), str(o.calls), o.won_rate.text() if o.objections else
                          str(o.meetings))
