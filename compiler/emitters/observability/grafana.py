"""Dashboard specs -> Grafana dashboard JSON, through grafana-foundation-sdk's typed builders.

Dashboards are described as plain data (sections of panels) and laid out here on Grafana's
24-column grid, so positions never overlap and never depend on the SDK's auto-placement.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from grafana_foundation_sdk.builders import common as cb
from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.builders import prometheus, stat, statetimeline, timeseries
from grafana_foundation_sdk.cog.builder import Builder
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common as cm
from grafana_foundation_sdk.models import dashboard as dm

from compiler import naming
from compiler.emitters.observability.promql import selector
from compiler.render import to_json

GRID_WIDTH = 24
DATASOURCE_VARIABLE = "datasource"
DATASOURCE = dm.DataSourceRef(type_val="prometheus", uid=f"${{{DATASOURCE_VARIABLE}}}")
Kind = Literal["timeseries", "stat", "state-timeline"]


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str


@dataclass(frozen=True)
class Threshold:
    value: float
    below_is_bad: bool = False  # availability: red under the value; error rate: red over it


@dataclass(frozen=True)
class Panel:
    title: str
    kind: Kind
    unit: str
    queries: tuple[Query, ...]
    description: str = ""
    width: int = 8
    height: int = 8
    threshold: Threshold | None = None
    states: tuple[tuple[str, str, str], ...] = ()  # value, text, colour (state timelines)
    stacked: bool = False


@dataclass(frozen=True)
class Section:
    title: str
    panels: tuple[Panel, ...]


@dataclass(frozen=True)
class Variable:
    """A label-values variable; ``series`` must be a metric of the contract."""

    name: str
    label: str
    series: str
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dashboard:
    name: str  # the file name; with the project name it seeds the stable uid
    title: str
    description: str
    sections: tuple[Section, ...]
    variables: tuple[Variable, ...] = ()
    tags: tuple[str, ...] = field(default=())


def uid(project_name: str, dashboard_name: str) -> str:
    """Stable across builds and machines; Grafana allows at most 40 characters."""
    return naming.fit(f"{project_name}-{dashboard_name}", 40)


def render(project_name: str, spec: Dashboard) -> str:
    builder = (db.Dashboard(spec.title).uid(uid(project_name, spec.name))
               .description(spec.description).tags([project_name, "mccompile", *spec.tags])
               .time("now-6h", "now").refresh("1m").timezone("utc")
               .with_variable(_datasource_variable()))
    for variable in spec.variables:
        builder = builder.with_variable(_query_variable(variable))
    for item in layout(spec.sections):
        builder = builder.with_row(item) if isinstance(item, db.Row) else builder.with_panel(item)
    data = json.loads(json.dumps(builder.build(), cls=JSONEncoder))
    return to_json(data)


def layout(sections: tuple[Section, ...]) -> list[Builder[Any]]:
    """Rows and panels with explicit, non-overlapping positions and sequential ids."""
    items: list[Builder[Any]] = []
    y = 0
    for section in sections:
        items.append(db.Row(section.title).id(len(items) + 1)
                     .grid_pos(dm.GridPos(h=1, w=GRID_WIDTH, x=0, y=y)))
        y, x, tallest = y + 1, 0, 0
        for spec in section.panels:
            if x + spec.width > GRID_WIDTH:
                y, x, tallest = y + tallest, 0, 0
            position = dm.GridPos(h=spec.height, w=spec.width, x=x, y=y)
            items.append(_panel(spec, len(items) + 1, position))
            x, tallest = x + spec.width, max(tallest, spec.height)
        y += tallest
    return items


def _datasource_variable() -> db.DatasourceVariable:
    return db.DatasourceVariable(DATASOURCE_VARIABLE).label("Data source").type("prometheus")


def _query_variable(variable: Variable) -> db.QueryVariable:
    chained = tuple((name, "=~", f"${name}") for name in variable.depends_on)
    query = f"label_values({selector(variable.series, chained)}, {variable.name})"
    return (db.QueryVariable(variable.name).label(variable.label).datasource(DATASOURCE)
            .query(query).multi(True).include_all(True).all_value(".*")
            .refresh(dm.VariableRefresh.ON_TIME_RANGE_CHANGED)
            .sort(dm.VariableSort.ALPHABETICAL_ASC))


def _targets(spec: Panel) -> list[prometheus.Dataquery]:
    # refIds A, B, C... : alerts and overrides refer to queries by them.
    return [prometheus.Dataquery().expr(query.expr).legend_format(query.legend)
            .ref_id(chr(ord("A") + index)).range()
            for index, query in enumerate(spec.queries)]


def _panel(spec: Panel, panel_id: int, position: dm.GridPos) -> Builder[Any]:
    panel: Any
    if spec.kind == "stat":
        panel = (stat.Panel().graph_mode(cm.BigValueGraphMode.AREA)
                 .color_mode(cm.BigValueColorMode.VALUE)
                 .reduce_options(cb.ReduceDataOptions().calcs(["lastNotNull"])))
    elif spec.kind == "state-timeline":
        panel = (statetimeline.Panel().mappings([_state_map(spec.states)])
                 .show_value(cm.VisibilityMode.AUTO).merge_values(True).row_height(0.9))
    else:
        panel = (timeseries.Panel().fill_opacity(10)
                 .legend(cb.VizLegendOptions().show_legend(True)
                         .display_mode(cm.LegendDisplayMode.TABLE)
                         .placement(cm.LegendPlacement.BOTTOM).calcs(["mean", "max"]))
                 .tooltip(cb.VizTooltipOptions().mode(cm.TooltipDisplayMode.MULTI)
                          .sort(cm.SortOrder.DESCENDING)))
        if spec.stacked:
            panel = panel.stacking(cb.StackingConfig().mode(cm.StackingMode.NORMAL))
    panel = (panel.id(panel_id).grid_pos(position).title(spec.title)
             .description(spec.description).datasource(DATASOURCE).unit(spec.unit)
             .targets(_targets(spec)))
    if spec.threshold is not None:
        panel = panel.thresholds(_thresholds(spec.threshold))
    return panel  # type: ignore[no-any-return]


def _thresholds(threshold: Threshold) -> db.ThresholdsConfig:
    low, high = ("red", "green") if threshold.below_is_bad else ("green", "red")
    steps = [dm.Threshold(value=None, color=low), dm.Threshold(value=threshold.value, color=high)]
    return db.ThresholdsConfig().mode(dm.ThresholdsMode.ABSOLUTE).steps(steps)


def _state_map(states: tuple[tuple[str, str, str], ...]) -> dm.ValueMap:
    return dm.ValueMap(options={value: dm.ValueMappingResult(text=text, color=colour, index=index)
                                for index, (value, text, colour) in enumerate(states)})
