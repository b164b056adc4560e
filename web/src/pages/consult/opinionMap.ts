// The opinion map as an inline SVG built with DOM calls (no markup strings,
// no inline styles: colours come from classes in styles.css). Each group has
// a colour AND a point shape AND a hull pattern, so that nothing depends on
// colour alone; the viewer's own point is ringed and labelled.
import type { MapPoint, OpinionGroup } from '../../types';

const SVG = 'http://www.w3.org/2000/svg';
export const WIDTH = 400;
export const HEIGHT = 300;
const PAD = 24;
/** Beyond this many participants the plot shows an even sample (the table has every figure). */
export const MAX_POINTS = 5000;
export const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'cross', 'star'] as const;
export type Shape = (typeof SHAPES)[number];

export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  ...children: (SVGElement | string)[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  for (const child of children) element.append(child);
  return element;
}

export function shapeFor(group: number): Shape {
  return SHAPES[group % SHAPES.length] ?? 'circle';
}

/** Scale from data to plot coordinates (y up in the data, down in SVG). */
export function scaler(coords: readonly (readonly [number, number])[]): (x: number, y: number) => [number, number] {
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const [x, y] of coords) {
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  if (!Number.isFinite(minX)) [minX, maxX, minY, maxY] = [-1, 1, -1, 1];
  const spanX = maxX - minX || 1;
  const spanY = maxY - minY || 1;
  const scale = Math.min((WIDTH - 2 * PAD) / spanX, (HEIGHT - 2 * PAD) / spanY);
  const offsetX = (WIDTH - scale * spanX) / 2;
  const offsetY = (HEIGHT - scale * spanY) / 2;
  return (x, y) => [round(offsetX + (x - minX) * scale), round(HEIGHT - (offsetY + (y - minY) * scale))];
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** A marker of `shape` centred on (cx, cy) with radius r. */
export function marker(shape: Shape, cx: number, cy: number, r: number): SVGElement {
  const pts = (list: [number, number][]): string => list.map(([x, y]) => `${round(cx + x)},${round(cy + y)}`).join(' ');
  switch (shape) {
    case 'circle':
      return svg('circle', { cx, cy, r });
    case 'square':
      return svg('rect', { x: round(cx - r), y: round(cy - r), width: 2 * r, height: 2 * r });
    case 'triangle':
      return svg('polygon', {
        points: pts([
          [0, -r * 1.2],
          [r * 1.1, r * 0.8],
          [-r * 1.1, r * 0.8],
        ]),
      });
    case 'diamond':
      return svg('polygon', {
        points: pts([
          [0, -r * 1.3],
          [r * 1.3, 0],
          [0, r * 1.3],
          [-r * 1.3, 0],
        ]),
      });
    case 'cross': {
      const a = r * 0.45;
      return svg('polygon', {
        points: pts([
          [-a, -r],
          [a, -r],
          [a, -a],
          [r, -a],
          [r, a],
          [a, a],
          [a, r],
          [-a, r],
          [-a, a],
          [-r, a],
          [-r, -a],
          [-a, -a],
        ]),
      });
    }
    case 'star': {
      const list: [number, number][] = [];
      for (let i = 0; i < 10; i += 1) {
        const radius = i % 2 === 0 ? r * 1.3 : r * 0.55;
        const angle = (Math.PI / 5) * i - Math.PI / 2;
        list.push([radius * Math.cos(angle), radius * Math.sin(angle)]);
      }
      return svg('polygon', { points: pts(list) });
    }
  }
}

/** Hatching patterns, one per group, referenced by the hulls. */
function patterns(count: number): SVGDefsElement {
  const defs = svg('defs');
  for (let group = 0; group < count; group += 1) {
    const kind = group % 4;
    const pattern = svg('pattern', {
      id: `map-pattern-${group}`,
      width: 8,
      height: 8,
      patternUnits: 'userSpaceOnUse',
      patternTransform: kind === 0 ? 'rotate(45)' : kind === 2 ? 'rotate(-45)' : '',
    });
    if (kind === 1) pattern.append(svg('circle', { cx: 4, cy: 4, r: 1.3, class: `pattern-ink group-${group}` }));
    else if (kind === 3) {
      pattern.append(svg('path', { d: 'M0 4H8M4 0V8', class: `pattern-line group-${group}` }));
    } else pattern.append(svg('path', { d: 'M0 4H8', class: `pattern-line group-${group}` }));
    defs.append(pattern);
  }
  return defs;
}

export interface MapInput {
  groups: OpinionGroup[];
  points: MapPoint[];
  me: MapPoint | null;
  label: string;
  youText: string;
  groupName: (group: number) => string;
}

/** Every `step`-th point, so that at most MAX_POINTS are drawn. */
export function samplePoints(points: MapPoint[]): MapPoint[] {
  if (points.length <= MAX_POINTS) return points;
  const step = points.length / MAX_POINTS;
  return Array.from({ length: MAX_POINTS }, (_, i) => points[Math.floor(i * step)]!);
}

export function opinionMapSvg(input: MapInput): SVGSVGElement {
  const coords: [number, number][] = [
    ...input.points.map((p): [number, number] => [p.x, p.y]),
    ...input.groups.flatMap((g) => g.hull),
    ...(input.me ? [[input.me.x, input.me.y] as [number, number]] : []),
  ];
  const place = scaler(coords);
  const root = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: 'img',
    'aria-label': input.label,
    class: 'opinion-map',
    focusable: 'false',
  });
  root.append(svg('title', {}, input.label), patterns(input.groups.length));
  const hulls = svg('g', { class: 'hulls', 'aria-hidden': 'true' });
  const dots = svg('g', { class: 'points', 'aria-hidden': 'true' });
  const labels = svg('g', { class: 'labels', 'aria-hidden': 'true' });
  for (const group of input.groups) {
    if (group.hull.length === 0) continue;
    const placed = group.hull.map(([x, y]) => place(x, y));
    const points = placed.map(([x, y]) => `${x},${y}`).join(' ');
    const shape =
      placed.length >= 3
        ? svg('polygon', { points, fill: `url(#map-pattern-${group.id})` })
        : svg('polyline', { points });
    shape.setAttribute('class', `hull group-${group.id}`);
    shape.setAttribute('data-group', String(group.id));
    hulls.append(shape);
    const cx = placed.reduce((sum, [x]) => sum + x, 0) / placed.length;
    const cy = placed.reduce((sum, [, y]) => sum + y, 0) / placed.length;
    labels.append(
      svg('text', { x: round(cx), y: round(cy), class: `group-label group-${group.id}` }, input.groupName(group.id)),
    );
  }
  for (const point of samplePoints(input.points)) {
    const [x, y] = place(point.x, point.y);
    const dot = marker(shapeFor(point.group), x, y, 3.2);
    dot.setAttribute('class', `point group-${point.group}`);
    dots.append(dot);
  }
  root.append(hulls, dots, labels);
  if (input.me) {
    const [x, y] = place(input.me.x, input.me.y);
    root.append(
      svg(
        'g',
        { class: 'me', 'aria-hidden': 'true' },
        svg('circle', { cx: x, cy: y, r: 8, class: 'me-ring' }),
        // The label goes on the side of the point with more room.
        x > WIDTH / 2
          ? svg('text', { x: round(x - 11), y: round(y + 4), class: 'me-label', 'text-anchor': 'end' }, input.youText)
          : svg('text', { x: round(x + 11), y: round(y + 4), class: 'me-label' }, input.youText),
      ),
    );
  }
  return root;
}

/** A small legend swatch: the group's point shape in its colour. */
export function legendSwatch(group: number): SVGSVGElement {
  const icon = svg('svg', { viewBox: '0 0 16 16', class: 'swatch', 'aria-hidden': 'true', focusable: 'false' });
  const mark = marker(shapeFor(group), 8, 8, 5);
  mark.setAttribute('class', `point group-${group}`);
  icon.append(mark);
  return icon;
}
