"""The reviewer queue: filters, sort by waiting time, counts. A constant number of queries."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import timedelta

import django_filters
from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.utils import timezone

from kyc.domain.workflow import CaseState
from kyc.models import Case, CaseSearchDigest, Document
from kyc.models.case import submitted_or_never
from kyc.privacy.blind_index import query_digests
from ocr_integration.documents.kinds import REQUIRED_KINDS, DocumentKind, DocumentType

QUEUE_STATES = (CaseState.READY_FOR_REVIEW, CaseState.NEEDS_ATTENTION)
# Every state a reviewer may list (decided cases stay findable, read-only).
LISTABLE_STATES = (
    CaseState.READY_FOR_REVIEW, CaseState.NEEDS_ATTENTION, CaseState.SUBMITTED, CaseState.PROCESSING,
    CaseState.RESUBMISSION_REQUESTED, CaseState.APPROVED, CaseState.REJECTED,
)
WAITING_CHOICES = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "72h": timedelta(hours=72),
                   "7d": timedelta(days=7)}
FINDING_CHOICES = ("fail", "warn", "clean")
ASSIGNED_CHOICES = ("me", "unassigned", "others")


@dataclass(frozen=True)
class QueueFilters:
    states: tuple[str, ...] = tuple(s.value for s in QUEUE_STATES)
    document_type: str = ""
    document_kind: str = ""
    issuing_country: str = ""
    finding: str = ""  # fail | warn | clean
    assigned: str = ""  # me | unassigned | others
    waiting: str = ""  # key of WAITING_CHOICES: waiting longer than
    awaiting_second: bool = False
    search: str = ""  # a case reference, an external reference, an applicant name or a document number
    over_sla: bool = False  # waiting longer than settings.REVIEW_SLA_HOURS
    sort: str = "waiting"  # a key of SORTS


# Sortable columns: key -> the fields of its order, "-" for descending (every one ends on the id,
# so pages never overlap, and a page boundary is one row's values: keyset pagination).
SORT_FIELDS = {
    "waiting": ("submitted_at", "created_at", "id"),
    "-waiting": ("-submitted_at", "-created_at", "-id"),
    "reference": ("reference", "id"),
    "-reference": ("-reference", "id"),
    "document": ("document_type", "issuing_country", "submitted_at", "id"),
    "-document": ("-document_type", "-issuing_country", "submitted_at", "id"),
    "state": ("state", "submitted_at", "id"),
    "-state": ("-state", "submitted_at", "id"),
    "checks": ("-failed_findings_count", "-warned_findings_count", "submitted_at", "id"),
    "-checks": ("failed_findings_count", "warned_findings_count", "submitted_at", "id"),
}


def _order_by(fields: tuple[str, ...], *, reverse: bool = False) -> list:
    """ORDER BY terms; ``reverse`` the exact reverse order (to read the page before a row)."""
    terms = []
    for name in fields:
        column, descending = name.lstrip("-"), name.startswith("-")
        if column == "submitted_at":
            # Ascending puts a case not yet submitted (none is listable today) last, and
            # descending is its exact reverse, so that either order reads the same index (forwards
            # or backwards) instead of sorting the waiting cases.
            if descending == reverse:
                term = F(column).asc(nulls_last=True)
            else:
                term = F(column).desc(nulls_first=True)
        else:
            term = f"-{column}" if descending != reverse else column
        terms.append(term)
    return terms


SORTS = {key: tuple(_order_by(fields)) for key, fields in SORT_FIELDS.items()}


class ExistsForEachRow(Exists):
    """EXISTS that PostgreSQL evaluates row by row (an index probe) and never turns into a hashed
    sub-plan: ``OFFSET 0`` keeps the planner from rewriting it. Under an OR, a hashed sub-plan read
    every current document of a side first (111 ms at 100 000 cases) although only the few cases
    waiting for a resubmission need asking."""

    template = "EXISTS(%(subquery)s OFFSET 0)"


def sla_target() -> timedelta:
    return timedelta(hours=settings.REVIEW_SLA_HOURS)


# A search matching more cases than this is not counted (the filter bar says "more than"), and
# reads its page of rows by walking the page's order (an index) and asking each case whether it
# matches, until the page is full; fewer matches are counted, fetched by id and sorted. At 100 000 cases a surname matching 10 000 of them cost ~250 ms when
# every match was joined and sorted for a page of 50; walking the order, a page needs about
# (page size x cases / matches) index entries, so the walk is only taken when matches are many.
BROAD_SEARCH_MATCHES = 2000


def _search(cases: QuerySet[Case], term: str, *, broad: bool = False) -> QuerySet[Case]:
    """Exact matches only: a reference, an external reference, or a blind-index digest of the term
    as a name or a document number. Names and numbers are never decrypted to be searched.

    ``broad``: the term is known to match many cases; the condition is asked row by row (index
    probes) so that the page's rows come from its order's index, not from every match."""
    term = term.strip()[:200]
    digests = query_digests(term)
    if broad:
        # The integrator link is the API app's table: reached through the case's relation, so the
        # core does not import the outer layer (tests/kyc/test_layers.py).
        integrator_link = Case._meta.get_field("integrator_link").related_model
        condition = Q(reference=term.upper()) | ExistsForEachRow(
            integrator_link.objects.filter(case=OuterRef("pk"), external_reference=term))
        if digests:
            condition |= ExistsForEachRow(CaseSearchDigest.objects.filter(case=OuterRef("pk"), digest__in=digests))
        return cases.filter(condition)
    # The ids each index finds, united, then the cases by primary key: an OR of the three
    # conditions on the case row made PostgreSQL read every case (a sequential scan at 100 000).
    found = Case.objects.filter(reference=term.upper()).order_by().values("id").union(
        Case.objects.filter(integrator_link__external_reference=term).order_by().values("id"))
    if digests:
        found = found.union(CaseSearchDigest.objects.filter(digest__in=digests).order_by().values("case_id"))
    return cases.filter(id__in=found)


@dataclass
class QueueCounts:
    by_state: dict[str, int] = field(default_factory=dict)
    mine: int = 0
    unassigned: int = 0
    failed: int = 0
    awaiting_second: int = 0
    over_sla: int = 0
    # A search whose term matches more cases than this was not counted: the filter bar says
    # "more than" instead of numbers (counting 10 000 matches read the whole case table).
    more_than: int | None = None


class QueueFilterSet(django_filters.FilterSet):
    """The filter bar's GET parameters, each checked by its form field and applied by one method.

    A value outside a filter's choices is dropped (the queue shows as if it were not given), as a
    stale bookmark must never turn into an error page. ``user`` is the reviewer looking (for
    "assigned to me"). ``state`` is applied last and only by :meth:`cases`, because the counts
    of the filter bar need every other filter without it.
    """

    q = django_filters.CharFilter(method="filter_search")
    state = django_filters.MultipleChoiceFilter(
        choices=[(s.value, s.value) for s in LISTABLE_STATES], method="filter_nothing"
    )
    document_type = django_filters.ChoiceFilter(choices=[(t.value, t.value) for t in DocumentType])
    document_kind = django_filters.ChoiceFilter(
        choices=[(k.value, k.value) for k in DocumentKind], method="filter_document_kind"
    )
    country = django_filters.CharFilter(method="filter_country")
    finding = django_filters.ChoiceFilter(choices=[(c, c) for c in FINDING_CHOICES], method="filter_finding")
    assigned = django_filters.ChoiceFilter(choices=[(c, c) for c in ASSIGNED_CHOICES], method="filter_assigned")
    waiting = django_filters.ChoiceFilter(choices=[(c, c) for c in WAITING_CHOICES], method="filter_waiting")
    awaiting_second = django_filters.CharFilter(method="filter_awaiting_second")
    over_sla = django_filters.CharFilter(method="filter_over_sla")
    sort = django_filters.ChoiceFilter(choices=[(c, c) for c in SORTS], method="filter_nothing")

    class Meta:
        model = Case
        fields: list[str] = []

    def __init__(self, data=None, *, user, **kwargs) -> None:
        super().__init__(data, queryset=Case.objects.all(), **kwargs)
        self.user = user
        self._every_listable_state = False
        # Set by reviewer_queue_page once the counts say a search matches many cases.
        self.broad_search = False

    @property
    def values(self) -> QueueFilters:
        """The filters as the page shows them back (what was accepted, with the defaults)."""
        self.form.is_valid()  # cleans the form: a field whose value was refused is left out
        cleaned = self.form.cleaned_data
        search = (cleaned.get("q") or "").strip()[:200]
        states = tuple(cleaned.get("state") or ())
        if search and not states:
            # A search looks for one case wherever it is: decided cases too.
            states = tuple(s.value for s in LISTABLE_STATES)
        return QueueFilters(
            search=search,
            over_sla=cleaned.get("over_sla") == "1",
            sort=cleaned.get("sort") or "waiting",
            states=states or QueueFilters.states,
            document_type=cleaned.get("document_type") or "",
            document_kind=cleaned.get("document_kind") or "",
            issuing_country=(cleaned.get("country") or "").strip().upper()[:3],
            finding=cleaned.get("finding") or "",
            assigned=cleaned.get("assigned") or "",
            waiting=cleaned.get("waiting") or "",
            awaiting_second=cleaned.get("awaiting_second") == "1",
        )

    def cases_filtered(self, *, skip: tuple[str, ...] = ()) -> QuerySet[Case]:
        """The cases every filter but ``skip`` (and the states) lets through."""
        self.form.is_valid()
        cases = Case.objects.all()
        for name, value in self.form.cleaned_data.items():
            if name not in skip:
                cases = self.filters[name].filter(cases, value)
        return cases

    def cases(self, *, include_states: bool = True) -> QuerySet[Case]:
        """The filtered cases: in the chosen states, or (``include_states=False``) in any listable one."""
        self.form.is_valid()
        self._every_listable_state = not include_states  # read by filter_document_kind
        try:
            cases = self.filter_queryset(Case.objects.all())
        finally:
            self._every_listable_state = False
        states = self.values.states if include_states else tuple(s.value for s in LISTABLE_STATES)
        return cases.filter(state__in=states)

    def filter_nothing(self, queryset, name, value):
        return queryset  # applied elsewhere (state: by cases(); sort: by the page's ordering)

    def filter_search(self, queryset, name, value):
        return _search(queryset, value, broad=self.broad_search) if value.strip() else queryset

    def filter_document_kind(self, queryset, name, value):
        # A side belongs to one document type, and every listable case of that type has each of
        # its sides attached, except a side asked for again: so the filter is the type column
        # (on the case row, indexed), and only cases waiting for a resubmission look at their
        # documents. (An EXISTS over every case's documents cost 165 ms at 100 000 cases.)
        kind = DocumentKind(value)
        document_type = next((t for t, kinds in REQUIRED_KINDS.items() if kind in kinds), None)
        side_documents = Document.objects.filter(case=OuterRef("pk"), is_current=True, kind=kind.value)
        if document_type is None:  # a supporting side (a bank card): only its documents can say
            return queryset.filter(Exists(side_documents))
        side_attached = ExistsForEachRow(side_documents)
        of_type = queryset.filter(document_type=document_type.value)
        if not self._every_listable_state and CaseState.RESUBMISSION_REQUESTED.value not in self.values.states:
            # No case waiting for a resubmission is listed: the documents need not be read (at
            # 100 000 cases that sub-plan hashed every current document of the side).
            return of_type
        return of_type.filter(~Q(state=CaseState.RESUBMISSION_REQUESTED) | side_attached)

    def filter_country(self, queryset, name, value):
        country = value.strip().upper()[:3]
        return queryset.filter(issuing_country=country) if country else queryset

    def filter_finding(self, queryset, name, value):
        if value == "fail":
            return queryset.filter(failed_findings_count__gt=0)
        if value == "warn":
            return queryset.filter(warned_findings_count__gt=0)
        return queryset.filter(failed_findings_count=0, warned_findings_count=0)

    def filter_assigned(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assigned_to=self.user)
        if value == "unassigned":
            return queryset.filter(assigned_to__isnull=True)
        return queryset.exclude(assigned_to__isnull=True).exclude(assigned_to=self.user)

    def filter_waiting(self, queryset, name, value):
        return queryset.filter(submitted_at__lte=timezone.now() - WAITING_CHOICES[value])

    def filter_awaiting_second(self, queryset, name, value):
        return queryset.filter(awaiting_second_approval=True) if value == "1" else queryset

    def filter_over_sla(self, queryset, name, value):
        return queryset.filter(submitted_at__lte=timezone.now() - sla_target()) if value == "1" else queryset


def reviewer_queue_page_rows(filters: QueueFilterSet) -> QuerySet[Case]:
    """The queue's rows, longest waiting first, each with its current failed/warned check counts.

    Everything a row shows is on the case row (the counts are kept there by the services), so the
    page costs the same number of queries for 10 rows or 200, and no join grows with the data.
    """
    return (
        filters.cases()
        .select_related("assigned_to")
        .annotate(
            failed_findings=F("failed_findings_count"),
            warned_findings=F("warned_findings_count"),
            awaiting_second=F("awaiting_second_approval"),
        )
        .order_by(*SORTS.get(filters.values.sort, SORTS["waiting"]))
    )


_COUNT_KEYS = ("mine", "unassigned", "failed", "awaiting_second", "over_sla")
# Filters the counter table (kyc.models.queue_count) cannot answer: the counts of a search are
# taken from the cases it finds; the time filters are answered by subtracting the cases they
# leave out (the recent ones); the rest are columns of the counter table.
_TIME_FILTERS = ("waiting", "over_sla")


def _case_aggregates(cases: QuerySet[Case], *, states, user, sla_cutoff, count_only=None) -> dict[str, int]:
    """The filter bar's numbers counted on ``cases``: per listable state, and within ``states``
    mine, unassigned, failed, awaiting second approval and over the SLA. ``count_only``, if
    given, restricts every number but "over SLA" to the cases it matches.

    One GROUP BY over the few columns the numbers depend on, added up here: twelve filtered
    COUNTs evaluated each of their conditions on every case (a week of cases, 23 000 index
    entries at 100 000, cost 36-39 ms under load); a hash of five values per case is cheaper."""
    def flag(condition: Q) -> ExpressionWrapper:
        return ExpressionWrapper(condition, output_field=BooleanField())

    groups = cases.order_by().annotate(
        counted=flag(count_only) if count_only is not None else Value(True, output_field=BooleanField()),
        has_failed=flag(Q(failed_findings_count__gt=0)),
        over=flag(Q(submitted_at__lte=sla_cutoff)) if sla_cutoff is not None else Value(True, output_field=BooleanField()),
    ).values("state", "assigned_to_id", "awaiting_second_approval", "counted", "has_failed", "over").annotate(
        n=Count("*"))
    totals = {f"state_{s.value}": 0 for s in LISTABLE_STATES}
    totals.update(dict.fromkeys(_COUNT_KEYS, 0))
    for group in groups:
        n, in_states = group["n"], group["state"] in states
        if in_states and group["over"]:
            totals["over_sla"] += n
        if not group["counted"]:
            continue
        if f"state_{group['state']}" in totals:
            totals[f"state_{group['state']}"] += n
        if in_states:
            assignee = group["assigned_to_id"]
            totals["mine"] += n if assignee is not None and assignee == user.pk else 0
            totals["unassigned"] += n if assignee is None else 0
            totals["failed"] += n if group["has_failed"] else 0
            totals["awaiting_second"] += n if group["awaiting_second_approval"] else 0
    return totals


def _counter_aggregates(*, values: QueueFilters, user, states, counted_states, document_type: str,
                        not_over_sla: QuerySet[Case] | None = None) -> dict[str, int]:
    """The same numbers from the counter table (every case, whatever its submission time).
    ``not_over_sla``: cases the counters count but "over SLA" must not, subtracted in the same
    query (a COUNT subquery), so that a page without a time filter costs one count query."""
    from kyc.models import QueueCount

    groups = QueueCount.objects.filter(state__in=counted_states)
    for column in filter(None, (values.document_type, document_type)):
        groups = groups.filter(document_type=column)
    if values.issuing_country:
        groups = groups.filter(issuing_country=values.issuing_country)
    if values.finding == "fail":
        groups = groups.filter(has_failed=True)
    elif values.finding == "warn":
        groups = groups.filter(has_warned=True)
    elif values.finding == "clean":
        groups = groups.filter(has_failed=False, has_warned=False)
    if values.assigned == "me":
        groups = groups.filter(assignee_id=user.pk)
    elif values.assigned == "unassigned":
        groups = groups.filter(assignee_id=0)
    elif values.assigned == "others":
        groups = groups.exclude(assignee_id=0).exclude(assignee_id=user.pk)
    if values.awaiting_second:
        groups = groups.filter(awaiting_second_approval=True)
    in_states = Q(state__in=states)
    aggregates = {f"state_{s.value}": Sum("n", filter=Q(state=s.value), default=0) for s in LISTABLE_STATES}
    aggregates.update(
        mine=Sum("n", filter=in_states & Q(assignee_id=user.pk), default=0),
        unassigned=Sum("n", filter=in_states & Q(assignee_id=0), default=0),
        failed=Sum("n", filter=in_states & Q(has_failed=True), default=0),
        awaiting_second=Sum("n", filter=in_states & Q(awaiting_second_approval=True), default=0),
        over_sla=Sum("n", filter=in_states, default=0),
    )
    if not_over_sla is not None:
        # COUNT(*), not COUNT(id): the id is not in index case_recent_counts, and counting it made
        # PostgreSQL visit the heap row of every case submitted within the SLA (1 300 pages for
        # every page of the queue at 100 000 cases, instead of ~35 index pages).
        recent = not_over_sla.order_by().annotate(
            n=Func(Value(1), function="COUNT", output_field=IntegerField())).values("n")
        aggregates["over_sla"] = aggregates["over_sla"] - Subquery(recent, output_field=IntegerField())
    return groups.aggregate(**aggregates)


def _queue_counts(row: dict[str, int]) -> QueueCounts:
    return QueueCounts(
        by_state={s.value: row[f"state_{s.value}"] for s in LISTABLE_STATES},
        **{key: row[key] for key in _COUNT_KEYS},
    )


def reviewer_queue_counts(filters: QueueFilterSet) -> QueueCounts:
    """Counts for the filter bar: per state (every other filter applied), and within the chosen
    states mine, unassigned, with a failed check, awaiting a second approval, over the SLA.

    At most three small queries, none of which reads every case: the counter table's groups
    (kept by the database on every change of a case, see kyc.models.queue_count), minus the
    recent cases that a time filter or the SLA leaves out (an index range of ``state,
    submitted_at``), plus, for a side filter, the cases waiting for a resubmission (whose
    documents say whether the side is there). A search counts the cases it found.
    """
    values = filters.values
    user = filters.user
    now = timezone.now()
    sla_cutoff = now - sla_target()
    kind = DocumentKind(values.document_kind) if values.document_kind else None
    kind_type = next((t for t, kinds in REQUIRED_KINDS.items() if kind in kinds), None) if kind else None
    if values.search:
        digests = query_digests(values.search)
        # One look at the digest index (at most BROAD_SEARCH_MATCHES + 1 entries, index only):
        # a term matching more cases than that is not counted.
        if digests and CaseSearchDigest.objects.filter(digest__in=digests)[:BROAD_SEARCH_MATCHES + 1].count() \
                > BROAD_SEARCH_MATCHES:
            return QueueCounts(by_state={s.value: 0 for s in LISTABLE_STATES}, more_than=BROAD_SEARCH_MATCHES)
    if values.search or (kind is not None and kind_type is None):
        # A search finds a handful of cases; a supporting side (a bank card) only its documents know.
        return _queue_counts(_case_aggregates(filters.cases(include_states=False), states=values.states, user=user,
                                              sla_cutoff=sla_cutoff))

    # A side filter: every listable case of the side's type has the side, except one waiting for
    # the side to be sent again; those cases are counted from their documents.
    exact_states = (CaseState.RESUBMISSION_REQUESTED.value,) if kind is not None else ()
    counted_states = [s.value for s in LISTABLE_STATES if s.value not in exact_states]
    # Cases the time filters leave out: submitted after the cutoff (or not yet). The counters
    # count them, so they are subtracted; "over SLA" subtracts everything submitted after the
    # earlier of the SLA's cutoff and the filters' cutoff.
    cutoffs = [now - WAITING_CHOICES[values.waiting]] if values.waiting else []
    if values.over_sla:
        cutoffs.append(sla_cutoff)
    time_cutoff = min(cutoffs) if cutoffs else None
    recent_from = min(time_cutoff, sla_cutoff) if time_cutoff else sla_cutoff
    recent_states = counted_states if time_cutoff else [s for s in values.states if s in counted_states]
    # "Submitted after the cutoff, or not yet" as one range of index case_recent_counts, which
    # also holds every column the counts and the other filters read (no heap row is visited).
    recent = (
        filters.cases_filtered(skip=(*_TIME_FILTERS, "document_kind"))
        .alias(submitted_or_never=submitted_or_never())
        .filter(state__in=recent_states, submitted_or_never__gt=recent_from)
    )
    if kind_type is not None:
        recent = recent.filter(document_type=kind_type.value)
    document_type = kind_type.value if kind_type else ""
    if time_cutoff:
        row = _counter_aggregates(values=values, user=user, states=values.states, counted_states=counted_states,
                                  document_type=document_type)
        # The cases the time filter leaves out; when its cutoff is the earlier one, that is all of
        # ``recent`` (no condition per row).
        left_out = None if time_cutoff <= sla_cutoff else Q(submitted_or_never__gt=time_cutoff)
        subtract = _case_aggregates(recent, states=values.states, user=user, sla_cutoff=None, count_only=left_out)
        row = {key: row[key] - subtract[key] for key in row}
    else:  # only "over SLA" leaves recent cases out: subtracted inside the counters' query
        row = _counter_aggregates(values=values, user=user, states=values.states, counted_states=counted_states,
                                  document_type=document_type, not_over_sla=recent if recent_states else None)

    if exact_states:
        # The cases waiting for a resubmission of the side's type that have the side again: an
        # index-only range of case_resubmission_by_type merged with the side's current documents
        # (index document_current_kind_case, in case order), a few hundred index pages at 100 000
        # cases; a probe per case (ExistsForEachRow, as the rows use) touched 11 000 pages.
        exact = (
            filters.cases_filtered(skip=("document_kind",))
            .filter(state__in=exact_states, document_type=kind_type.value)
            .filter(Exists(Document.objects.filter(case=OuterRef("pk"), is_current=True, kind=kind.value)))
        )
        add = _case_aggregates(exact, states=values.states, user=user, sla_cutoff=sla_cutoff)
        row = {key: row[key] + add[key] for key in row}
    return _queue_counts(row)


def matching_count(filters: QueueFilters, counts: QueueCounts) -> int:
    """How many cases the filters match, from the filter bar's counts (no second COUNT query);
    for a search that was not counted, one more than the bound (the page reads its rows as a
    search matching many cases)."""
    if counts.more_than is not None:
        return counts.more_than + 1
    return sum(counts.by_state.get(state, 0) for state in filters.states or [s.value for s in QUEUE_STATES])


class BadCursor(ValueError):
    """A page cursor that is not one this page wrote (edited or stale): the first page is shown."""


def _encode_cursor(case: Case, fields: tuple[str, ...]) -> str:
    values = [getattr(case, f.lstrip("-")) for f in fields]
    text = json.dumps([v.isoformat() if hasattr(v, "isoformat") else str(v) if v is not None else None
                       for v in values])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, fields: tuple[str, ...]) -> list:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(fields) or None in raw:
            raise BadCursor(cursor)
        return [Case._meta.get_field(f.lstrip("-")).to_python(v) for f, v in zip(fields, raw, strict=True)]
    except (ValueError, TypeError, UnicodeDecodeError) as error:  # json, base64, to_python
        raise BadCursor(cursor) from error


def _beyond(fields: tuple[str, ...], values: list, *, forward: bool) -> Q:
    """Rows after (``forward``) or before a boundary row in the order ``fields``: the leading
    field bounded (an index range), then the order's lexicographic comparison."""
    condition, equal = None, Q()
    for name, value in zip(fields, values, strict=True):
        column = name.lstrip("-")
        greater = name.startswith("-") != forward
        step = equal & Q(**{f"{column}__{'gt' if greater else 'lt'}": value})
        condition = step if condition is None else condition | step
        equal &= Q(**{column: value})
    leading = fields[0].lstrip("-")
    greater = fields[0].startswith("-") != forward
    return Q(**{f"{leading}__{'gte' if greater else 'lte'}": values[0]}) & condition


@dataclass
class QueuePage:
    """One page of the queue. Page 1 and pages reached by number read with OFFSET; "next" and
    "previous" carry the boundary row (a cursor), so a deep page costs what the first one does."""

    rows: list
    number: int
    per_page: int
    count: int
    next_cursor: str | None = None
    previous_cursor: str | None = None

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def paginator(self) -> QueuePage:  # templates and tests read page.paginator.count / num_pages
        return self

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    def has_next(self) -> bool:
        return self.next_cursor is not None

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def reviewer_queue_page(filterset: QueueFilterSet, *, per_page: int, count: int, number: int = 1,
                        after: str = "", before: str = "") -> QueuePage:
    """The rows of one page: after the row ``after`` names, before the row ``before`` names, or
    page ``number`` (OFFSET); one query for the rows (``count`` comes from the counts)."""
    fields = SORT_FIELDS.get(filterset.values.sort, SORT_FIELDS["waiting"])
    filterset.broad_search = bool(filterset.values.search) and count > BROAD_SEARCH_MATCHES
    try:
        rows = reviewer_queue_page_rows(filterset)
    finally:
        filterset.broad_search = False
    last_page = max(1, -(-count // per_page))
    try:
        if after:
            page_rows = list(rows.filter(_beyond(fields, _decode_cursor(after, fields), forward=True))[:per_page + 1])
            number = max(2, number)
        elif before:
            backwards = rows.filter(_beyond(fields, _decode_cursor(before, fields), forward=False))
            page_rows = list(backwards.order_by(*_order_by(fields, reverse=True))[:per_page + 1])
            more_before = len(page_rows) > per_page
            page_rows = page_rows[:per_page][::-1]
            number = number if more_before and number > 1 else 1
            cursor_next = _encode_cursor(page_rows[-1], fields) if page_rows else None
            return QueuePage(page_rows, number, per_page, count, next_cursor=cursor_next,
                             previous_cursor=_encode_cursor(page_rows[0], fields) if more_before else None)
        else:
            number = min(max(1, number), last_page)
            offset = (number - 1) * per_page
            page_rows = list(rows[offset:offset + per_page + 1])
    except BadCursor:
        number, page_rows = 1, list(rows[:per_page + 1])
    more_after = len(page_rows) > per_page
    page_rows = page_rows[:per_page]
    return QueuePage(
        page_rows, number, per_page, count,
        next_cursor=_encode_cursor(page_rows[-1], fields) if more_after and page_rows else None,
        previous_cursor=_encode_cursor(page_rows[0], fields) if number > 1 and page_rows else None,
    )


def issuing_countries() -> list[str]:
    """Issuing countries present among cases (for the filter's choices)."""
    return list(
        Case.objects.exclude(issuing_country="").order_by("issuing_country")
        .values_list("issuing_country", flat=True).distinct()
    )


@dataclass(frozen=True)
class Neighbours:
    previous_id: object | None
    next_id: object | None


def _workable(*, user) -> QuerySet[Case]:
    """Cases waiting for review this user could take: free or already theirs, not created by them."""
    return (
        Case.objects.filter(state__in=[s.value for s in QUEUE_STATES])
        .filter(Q(assigned_to__isnull=True) | Q(assigned_to=user))
        .exclude(created_by=user)
    )


def queue_neighbours(*, case: Case, user) -> Neighbours:
    """The cases before and after ``case`` in the queue's order (oldest waiting first), for the
    workspace's previous / next keys and for "decide and open next". Two small indexed queries."""
    workable = _workable(user=user).exclude(id=case.id)
    if case.submitted_at is None:
        first = workable.order_by(F("submitted_at").asc(nulls_last=True), "created_at", "id").values_list(
            "id", flat=True).first()
        return Neighbours(previous_id=None, next_id=first)
    at, created = case.submitted_at, case.created_at
    # The leading bound on submitted_at makes each an index range of the queue's order (an OR alone
    # read every waiting case: 116 ms at 100 000 cases). Every waiting case was submitted, so none
    # has no submission time.
    after = Q(submitted_at__gte=at) & (Q(submitted_at__gt=at) | Q(submitted_at=at, created_at__gt=created)
                                       | Q(submitted_at=at, created_at=created, id__gt=case.id))
    before = Q(submitted_at__lte=at) & (Q(submitted_at__lt=at) | Q(submitted_at=at, created_at__lt=created)
                                        | Q(submitted_at=at, created_at=created, id__lt=case.id))
    next_id = (workable.filter(after).order_by(F("submitted_at").asc(nulls_last=True), "created_at", "id")
               .values_list("id", flat=True).first())
    previous_id = (workable.filter(before).order_by("-submitted_at", "-created_at", "-id")
                   .values_list("id", flat=True).first())
    return Neighbours(previous_id=previous_id, next_id=next_id)


@dataclass(frozen=True)
class ReviewerLoad:
    username: str
    held: int
    over_sla: int
    oldest_submitted_at: object | None
    decided_last_24h: int


def reviewer_workload() -> list[ReviewerLoad]:
    """Per reviewer: cases held and waiting, how many of them are over the SLA, the oldest one, and
    decisions in the last 24 hours. Two aggregate queries, whatever the number of cases."""
    from django.db.models import Min

    from kyc.models import Decision

    now = timezone.now()
    held = {
        row["assigned_to__username"]: row
        for row in Case.objects.filter(state__in=[s.value for s in QUEUE_STATES], assigned_to__isnull=False)
        .values("assigned_to__username")
        .annotate(held=Count("id"), over_sla=Count("id", filter=Q(submitted_at__lte=now - sla_target())),
                  oldest=Min("submitted_at"))
    }
    decided = dict(
        Decision.objects.filter(created_at__gte=now - timedelta(hours=24))
        .values("reviewer__username").annotate(n=Count("id")).values_list("reviewer__username", "n")
    )
    names = sorted(set(held) | set(decided))
    return [
        ReviewerLoad(username=name, held=held.get(name, {}).get("held", 0),
                     over_sla=held.get(name, {}).get("over_sla", 0),
                     oldest_submitted_at=held.get(name, {}).get("oldest"), decided_last_24h=decided.get(name, 0))
        for name in names
    ]


def deciders():
    """Active staff who may decide (for the assign lists), by username."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    perm = Permission.objects.get(content_type__app_label="kyc", codename="decide_case")
    return (
        get_user_model().objects.filter(is_active=True, is_staff=True)
        .filter(Q(groups__permissions=perm) | Q(user_permissions=perm) | Q(is_superuser=True))
        .distinct().order_by("username")
    )
