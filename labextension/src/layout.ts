/**
 * A small layered layout for pipeline DAGs with nested sub-DAGs (conditions, loops, DAG components).
 *
 * Each container (the root, or a group node) lays out its direct children: a node's layer is the longest path to it
 * from a source among its siblings, layers stack top to bottom, nodes within a layer are ordered by the mean position
 * of their predecessors (one barycentre pass) and centred. A group is sized by its own children's layout, so the
 * nesting is computed inside out. Edges of a KFP IR DAG always join siblings, so they never cross a group's border.
 */

export interface IGraphNode {
  id: string;
  name: string;
  kind: string; // task | dag | condition | loop
  parent: string | null;
  component?: string;
  condition?: string;
  iterator?: { [key: string]: any };
  state?: string;
  taskIdList?: string[];
}

export interface IGraphEdge {
  source: string;
  target: string;
}

export interface IBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ILayout {
  boxes: Map<string, IBox>;
  width: number;
  height: number;
}

export const NODE_W = 168;
export const NODE_H = 36;
export const HEADER = 40; // a group's title band: its name, and what it is (condition, loop)
const PAD = 12; // inside a group
const GAP_X = 24;
const GAP_Y = 40;
const MARGIN = 16;

interface ISized {
  w: number;
  h: number;
  /** Child positions relative to this container's content origin. */
  inner: Map<string, { x: number; y: number }>;
}

/** `minWidth` gives a group the width its title band needs. */
export function layout(nodes: IGraphNode[], edges: IGraphEdge[], minWidth: (node: IGraphNode) => number = () => 0): ILayout {
  const ids = new Set(nodes.map(n => n.id));
  const childrenOf = new Map<string, IGraphNode[]>();
  for (const node of nodes) {
    const parent = node.parent && ids.has(node.parent) ? node.parent : '';
    childrenOf.set(parent, [...(childrenOf.get(parent) || []), node]);
  }
  const sized = new Map<string, ISized>();

  const place = (container: string): ISized => {
    const kids = childrenOf.get(container) || [];
    const size = new Map<string, { w: number; h: number }>();
    for (const kid of kids) {
      if (childrenOf.has(kid.id)) {
        const inner = place(kid.id);
        sized.set(kid.id, inner);
        size.set(kid.id, { w: Math.max(NODE_W, inner.w + 2 * PAD, minWidth(kid)), h: inner.h + HEADER + PAD });
      } else if (kid.kind === 'task') {
        size.set(kid.id, { w: NODE_W, h: NODE_H });
      } else {
        size.set(kid.id, { w: Math.max(NODE_W, minWidth(kid)), h: NODE_H + HEADER }); // an empty group
      }
    }
    const local = new Set(kids.map(k => k.id));
    const preds = new Map<string, string[]>(kids.map(k => [k.id, []]));
    for (const edge of edges) {
      if (local.has(edge.source) && local.has(edge.target)) {
        preds.get(edge.target)!.push(edge.source);
      }
    }
    const layerOf = new Map<string, number>();
    const depth = (id: string, trail: Set<string>): number => {
      if (layerOf.has(id)) {
        return layerOf.get(id)!;
      }
      if (trail.has(id)) {
        return 0; // not a DAG: break the cycle rather than loop
      }
      trail.add(id);
      const value = Math.max(-1, ...preds.get(id)!.map(p => depth(p, trail))) + 1;
      trail.delete(id);
      layerOf.set(id, value);
      return value;
    };
    kids.forEach(k => depth(k.id, new Set()));
    const layers: string[][] = [];
    for (const kid of kids) {
      const l = layerOf.get(kid.id)!;
      (layers[l] = layers[l] || []).push(kid.id);
    }
    const index = new Map<string, number>();
    layers.forEach((layer, l) => {
      if (l > 0) {
        const centre = (id: string) => {
          const ps = preds.get(id)!.filter(p => index.has(p));
          return ps.length ? ps.reduce((sum, p) => sum + index.get(p)!, 0) / ps.length : Infinity;
        };
        layer.sort((a, b) => centre(a) - centre(b));
      }
      layer.forEach((id, i) => index.set(id, i));
    });
    const widths = layers.map(layer => layer.reduce((sum, id) => sum + size.get(id)!.w, 0) + GAP_X * (layer.length - 1));
    const width = Math.max(0, ...widths);
    const inner = new Map<string, { x: number; y: number }>();
    let y = 0;
    layers.forEach((layer, l) => {
      let x = (width - widths[l]) / 2;
      const tallest = Math.max(...layer.map(id => size.get(id)!.h));
      for (const id of layer) {
        const s = size.get(id)!;
        inner.set(id, { x, y: y + (tallest - s.h) / 2 });
        x += s.w + GAP_X;
      }
      y += tallest + GAP_Y;
    });
    const result = { w: width, h: Math.max(0, y - GAP_Y), inner };
    for (const kid of kids) {
      const s = size.get(kid.id)!;
      sized.set(kid.id, { ...(sized.get(kid.id) || { inner: new Map() }), w: s.w, h: s.h });
    }
    return result;
  };

  const root = place('');
  const boxes = new Map<string, IBox>();
  const absolute = (container: ISized, ox: number, oy: number) => {
    for (const [id, at] of container.inner) {
      const own = sized.get(id)!;
      const box = { x: ox + at.x, y: oy + at.y, w: own.w, h: own.h };
      boxes.set(id, box);
      if (own.inner.size) {
        const contentW = Math.max(0, ...[...own.inner].map(([cid, p]) => p.x + sized.get(cid)!.w));
        absolute(own, box.x + (box.w - contentW) / 2, box.y + HEADER);
      }
    }
  };
  absolute(root, MARGIN, MARGIN);
  return { boxes, width: root.w + 2 * MARGIN, height: root.h + 2 * MARGIN };
}

/** The path of an edge: from the bottom of its source to the top of its target. */
export function edgePath(from: IBox, to: IBox): string {
  const x1 = from.x + from.w / 2;
  const y1 = from.y + from.h;
  const x2 = to.x + to.w / 2;
  const y2 = to.y;
  const bend = Math.max(12, (y2 - y1) / 2);
  return `M ${x1} ${y1} C ${x1} ${y1 + bend}, ${x2} ${y2 - bend}, ${x2} ${y2}`;
}
