/** The `/metrics/ui` page's stylesheet: system fonts, light and dark schemes, no images. */
export const PAGE_STYLE = String.raw`
:root { color-scheme: light dark; --bg: #f6f7f9; --card: #fff; --fg: #1d2330; --muted: #667085; --line: #e3e6eb;
  --green: #1a9e55; --yellow: #d49a00; --red: #d93030; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #14171c; --card: #1d2128; --fg: #e4e7ec; --muted: #98a2b3; --line: #2c323c; }
}
* { box-sizing: border-box; }
body { margin: 0; padding: 12px 16px 32px; background: var(--bg); color: var(--fg);
  font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; margin-bottom: 8px; }
h1 { font-size: 18px; margin: 0; }
h2 { font-size: 15px; margin: 0 0 8px; }
h3 { font-size: 12px; margin: 0 0 4px; color: var(--muted); font-weight: 600; }
.muted, .nodata { color: var(--muted); }
.nodata { margin: 0; }
#banner { display: none; padding: 8px 12px; margin-bottom: 8px; border-radius: 6px; background: var(--red); color: #fff; }
#banner.shown { display: block; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; margin-bottom: 10px; }
.panels { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(340px, 100%), 1fr)); gap: 10px; }
.panel { min-width: 0; }
.panel.wide { grid-column: 1 / -1; }
#rule { margin: 0 0 4px; }
select { font: inherit; max-width: 100%; }
svg { width: 100%; height: auto; display: block; }
svg text { fill: var(--muted); font-size: 10px; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg polyline { fill: none; stroke-width: 1.6; }
svg .hover line { stroke: var(--muted); stroke-dasharray: 2 2; }
svg .hover rect { fill: var(--card); stroke: var(--line); opacity: 0.92; }
svg .hover text { fill: var(--fg); }
.legend { list-style: none; margin: 2px 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: 2px 10px; font-size: 11px; }
.legend i { display: inline-block; width: 10px; height: 3px; margin-right: 4px; vertical-align: middle; }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th, td { text-align: left; padding: 2px 6px; border-bottom: 1px solid var(--line); white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.reason, td:first-child { white-space: normal; overflow-wrap: anywhere; }
tr[hidden] { display: none; }
/* A phone: each table row becomes a small card, each value under its column's name. */
@media (max-width: 600px) {
  body { padding: 8px 8px 24px; }
  section { padding: 8px; }
  thead { display: none; }
  table, tbody, td { display: block; }
  tr { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 0 8px; padding: 4px 0; border-bottom: 1px solid var(--line); }
  td { border: 0; padding: 1px 0; }
  td.num { text-align: left; }
  td:first-child, td.reason { grid-column: 1 / -1; font-weight: 600; }
  td.reason { font-weight: normal; }
  td::before { content: attr(data-label); display: block; font-size: 10px; color: var(--muted); font-weight: normal; }
  td:first-child::before, td.nodata::before { content: none; }
}
button { font: inherit; font-size: 12px; margin-left: 8px; padding: 0 8px; border: 1px solid var(--line); border-radius: 4px; background: var(--card); color: var(--fg); cursor: pointer; }
.dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 6px; background: var(--muted); }
.badge { padding: 1px 8px; border-radius: 10px; color: #fff; background: var(--muted); font-weight: 600; }
.green { background: var(--green); } .yellow { background: var(--yellow); } .red { background: var(--red); }
`;
