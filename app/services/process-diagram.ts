// A card type's process as a picture (issue 17 item 6): its stages as boxes
// and its transitions as arrows, laid out by dagre (a layered graph layout,
// left to right) on the server; the page draws the SVG from it
// (app/web/templates/macros/process-diagram.njk), so it needs no script.
//
// What MUST hold:
// - Every stage is a box and every (from → to) of every transition an arrow
//   labelled with the transition and the roles that may take it; a stage
//   shows its SLA and whether it is final.
// - The layout is made once per type, language and role labels (it does not
//   depend on the reader or the cards), then reused: a page pays for the
//   counts only.
// - Text sizes are estimated (the server has no font metrics): boxes are
//   sized from the longest line at an average glyph width, generously.
import dagre from '@dagrejs/dagre';
import { typeIn } from '#app/services/card-type-labels';
import type { CardType } from '#app/services/card-types';
import { formatDuration } from '#app/services/durations';

export interface DiagramStage {
  name: string;
  label: string;
  sla: string | null;
  final: boolean;
  initial: boolean;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DiagramArrow {
  transition: string;
  from: string;
  to: string;
  label: string;
  roles: string;
  /** The SVG path of the arrow. */
  path: string;
  labelX: number;
  labelY: number;
}

export interface Diagram {
  width: number;
  height: number;
  stages: DiagramStage[];
  arrows: DiagramArrow[];
}

const GLYPH = 7.4; // px per character at the diagram's 13px font, a little wide
const SMALL_GLYPH = 6.2; // at 11px
const MARGIN = 16;

const memo = new WeakMap<CardType, WeakMap<object, Map<string, Diagram>>>();

/** The laid-out process of `type` in `locale`, roles shown by their labels (`roleLabels[name]`, else the name); left to right, or top to bottom for a narrow column. */
export function processDiagram(
  type: CardType,
  locale: string,
  roleLabels: Readonly<Record<string, string>>,
  direction: 'LR' | 'TB' = 'LR',
): Diagram {
  const shown = typeIn(type, locale);
  // The role service replaces its labels object on every change: its identity is the labels' version.
  const key = `${direction}\u0000${locale}`;
  let byLabels = memo.get(type);
  if (!byLabels) memo.set(type, (byLabels = new WeakMap()));
  let byKey = byLabels.get(roleLabels);
  if (!byKey) byLabels.set(roleLabels, (byKey = new Map()));
  const cached = byKey.get(key);
  if (cached) return cached;

  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({
    rankdir: direction,
    nodesep: direction === 'LR' ? 36 : 48,
    ranksep: direction === 'LR' ? 90 : 56,
    edgesep: 24,
    marginx: MARGIN,
    marginy: MARGIN,
  });
  g.setDefaultEdgeLabel(() => ({}));
  for (const s of shown.stages) {
    const sla = s.sla ? formatDuration(s.sla, locale) : null;
    const width = Math.max(110, Math.ceil(Math.max(s.label.length * GLYPH, (sla?.length ?? 0) * SMALL_GLYPH + 40) + 28));
    g.setNode(s.name, { width, height: 62 });
  }
  const arrows: Omit<DiagramArrow, 'path' | 'labelX' | 'labelY'>[] = [];
  for (const t of shown.transitions) {
    const roles = t.roles.map((r) => roleLabels[r] ?? r).join(', ');
    for (const from of t.from) {
      const id = `${t.name}\u0000${from}`;
      const width = Math.ceil(Math.max(t.label.length * SMALL_GLYPH, roles.length * SMALL_GLYPH)) + 12;
      g.setEdge(from, t.to, { width, height: 30, labelpos: 'c' }, id);
      arrows.push({ transition: t.name, from, to: t.to, label: t.label, roles });
    }
  }
  dagre.layout(g);

  const diagram: Diagram = {
    width: Math.ceil(g.graph().width ?? 0),
    height: Math.ceil(g.graph().height ?? 0),
    stages: shown.stages.map((s) => {
      const n = g.node(s.name);
      return {
        name: s.name,
        label: s.label,
        sla: s.sla ? formatDuration(s.sla, locale) : null,
        final: s.final,
        initial: s.name === type.initial,
        x: Math.round(n.x - n.width / 2),
        y: Math.round(n.y - n.height / 2),
        width: n.width,
        height: n.height,
      };
    }),
    arrows: arrows.map((a) => {
      const e = g.edge({ v: a.from, w: a.to, name: `${a.transition}\u0000${a.from}` });
      const points: { x: number; y: number }[] = e.points ?? [];
      return {
        ...a,
        path: points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(' '),
        labelX: Math.round(e.x ?? points[Math.floor(points.length / 2)]?.x ?? 0),
        labelY: Math.round(e.y ?? points[Math.floor(points.length / 2)]?.y ?? 0),
      };
    }),
  };
  byKey.set(key, diagram);
  return diagram;
}
