/** Small React pieces the panel and the detail tabs share. */
import React from 'react';

import { IKind } from './registry';

export function StatusBadge(props: { kind: IKind; status: string | null }): JSX.Element | null {
  if (!props.status) {
    return null;
  }
  const tone = props.kind.statusTones[props.status] || 'running';
  return (
    <span className={`jp-EasyMaker-badge jp-EasyMaker-badge-${tone}`} data-tone={tone}>
      {props.status}
    </span>
  );
}

/**
 * A list that renders only the rows in view (plus a few): a thousand items cost a window of DOM rows.
 * Arrow keys, Home and End move the focus; Enter opens the focused row.
 */
export function VirtualList<T>(props: {
  items: T[];
  rowHeight: number;
  label: string;
  renderRow: (item: T, index: number) => JSX.Element;
  onOpen: (item: T) => void;
  keyOf: (item: T) => string;
}): JSX.Element {
  const { items, rowHeight } = props;
  const ref = React.useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = React.useState(0);
  const [height, setHeight] = React.useState(400);
  const [focused, setFocused] = React.useState(0);

  React.useEffect(() => {
    const node = ref.current;
    if (!node) {
      return;
    }
    const observer = new ResizeObserver(() => setHeight(node.clientHeight || 400));
    observer.observe(node);
    setHeight(node.clientHeight || 400);
    return () => observer.disconnect();
  }, []);

  const overscan = 5;
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  const index = Math.min(focused, Math.max(0, items.length - 1));

  const moveTo = (next: number) => {
    const target = Math.max(0, Math.min(items.length - 1, next));
    setFocused(target);
    const node = ref.current;
    if (node) {
      const top = target * rowHeight;
      if (top < node.scrollTop) {
        node.scrollTop = top;
      } else if (top + rowHeight > node.scrollTop + node.clientHeight) {
        node.scrollTop = top + rowHeight - node.clientHeight;
      }
    }
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    const page = Math.max(1, Math.floor(height / rowHeight) - 1);
    const moves: { [key: string]: number } = {
      ArrowDown: index + 1,
      ArrowUp: index - 1,
      PageDown: index + page,
      PageUp: index - page,
      Home: 0,
      End: items.length - 1
    };
    if (event.key in moves) {
      event.preventDefault();
      moveTo(moves[event.key]);
    } else if (event.key === 'Enter' && items[index]) {
      event.preventDefault();
      props.onOpen(items[index]);
    }
  };

  const rows = [];
  for (let i = first; i < last; i++) {
    const item = items[i];
    rows.push(
      <div
        key={props.keyOf(item)}
        id={`em-row-${props.keyOf(item)}`}
        role="option"
        aria-selected={i === index}
        className={`jp-EasyMaker-row${i === index ? ' jp-mod-focused' : ''}`}
        style={{ top: i * rowHeight, height: rowHeight }}
        onClick={() => {
          setFocused(i);
          props.onOpen(item);
        }}
      >
        {props.renderRow(item, i)}
      </div>
    );
  }
  return (
    <div
      ref={ref}
      className="jp-EasyMaker-list"
      role="listbox"
      tabIndex={0}
      aria-label={props.label}
      aria-activedescendant={items[index] ? `em-row-${props.keyOf(items[index])}` : undefined}
      onScroll={event => setScrollTop((event.target as HTMLDivElement).scrollTop)}
      onKeyDown={onKeyDown}
    >
      <div className="jp-EasyMaker-list-inner" style={{ height: items.length * rowHeight }}>
        {rows}
      </div>
    </div>
  );
}

export interface ISeries {
  name: string;
  points: { x: number; y: number }[];
}

/** A line chart of one or more series over time (x: epoch ms) or steps, in SVG; colours follow the theme. */
export function LineChart(props: {
  title: string;
  series: ISeries[];
  xIsTime?: boolean;
  format?: (y: number) => string;
}): JSX.Element {
  const width = 560;
  const height = 200;
  const pad = { left: 56, right: 12, top: 24, bottom: 28 };
  const points = props.series.flatMap(s => s.points);
  const format = props.format || ((y: number) => (Math.abs(y) >= 1000 ? y.toExponential(2) : y.toPrecision(3)));
  if (!points.length) {
    return (
      <figure className="jp-EasyMaker-chart">
        <figcaption>{props.title}</figcaption>
        <p className="jp-EasyMaker-empty">No data yet.</p>
      </figure>
    );
  }
  const xs = points.map(p => p.x);
  const ys = points.map(p => p.y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) {
    [y0, y1] = [y0 - 1, y1 + 1];
  }
  const sx = (x: number) => pad.left + ((x - x0) / (x1 - x0 || 1)) * (width - pad.left - pad.right);
  const sy = (y: number) => height - pad.bottom - ((y - y0) / (y1 - y0)) * (height - pad.top - pad.bottom);
  const xLabel = (x: number) => (props.xIsTime ? new Date(x).toLocaleTimeString() : String(x));
  return (
    <figure className="jp-EasyMaker-chart" aria-label={props.title}>
      <figcaption>{props.title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={props.title}>
        <line className="jp-EasyMaker-axis" x1={pad.left} x2={pad.left} y1={pad.top} y2={height - pad.bottom} />
        <line
          className="jp-EasyMaker-axis"
          x1={pad.left}
          x2={width - pad.right}
          y1={height - pad.bottom}
          y2={height - pad.bottom}
        />
        <text className="jp-EasyMaker-tick" x={pad.left - 4} y={pad.top + 4} textAnchor="end">
          {format(y1)}
        </text>
        <text className="jp-EasyMaker-tick" x={pad.left - 4} y={height - pad.bottom} textAnchor="end">
          {format(y0)}
        </text>
        <text className="jp-EasyMaker-tick" x={pad.left} y={height - 8}>
          {xLabel(x0)}
        </text>
        <text className="jp-EasyMaker-tick" x={width - pad.right} y={height - 8} textAnchor="end">
          {xLabel(x1)}
        </text>
        {props.series.map((s, i) => (
          <g key={s.name} className={`jp-EasyMaker-series jp-EasyMaker-series-${i % 6}`}>
            <polyline fill="none" points={s.points.map(p => `${sx(p.x)},${sy(p.y)}`).join(' ')} />
            <title>{s.name}</title>
          </g>
        ))}
      </svg>
      {props.series.length > 1 && (
        <ul className="jp-EasyMaker-legend">
          {props.series.map((s, i) => (
            <li key={s.name} className={`jp-EasyMaker-series-${i % 6}`}>
              {s.name}
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}

export function ErrorNote(props: { error: string | null }): JSX.Element | null {
  return props.error ? (
    <div className="jp-EasyMaker-error" role="alert">
      {props.error}
    </div>
  ) : null;
}

/** Polls `load` every `ms` (once when 0) while mounted; returns its last answer, error and HTTP status. */
export function usePoll<T>(load: () => Promise<T>, ms: number, deps: any[] = []): [T | null, string | null, number] {
  const [value, setValue] = React.useState<T | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [status, setStatus] = React.useState(0);
  React.useEffect(() => {
    let stopped = false;
    let timer = 0;
    const tick = async () => {
      try {
        const next = await load();
        if (!stopped) {
          setValue(next);
          setError(null);
          setStatus(200);
        }
      } catch (err: any) {
        if (!stopped) {
          setError(err.message);
          setStatus(err.status ?? 0);
        }
      }
      if (!stopped && ms > 0) {
        timer = window.setTimeout(tick, ms);
      }
    };
    void tick();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, deps);
  return [value, error, status];
}
