/** Small dependency-free SVG charts (no chart library: the bundle stays small and the CSP strict). */
export function LineChart({ points, label, format, testId }: { points: { x: number; y: number }[]; label: string; format(y: number): string; testId?: string }) {
  const width = 320;
  const height = 90;
  if (points.length === 0) return <p className="text-sm text-slate-600">—</p>;
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const [minX, maxX] = [Math.min(...xs), Math.max(...xs)];
  const maxY = Math.max(...ys, 1e-9);
  const sx = (x: number) => (maxX === minX ? width / 2 : ((x - minX) / (maxX - minX)) * width);
  const sy = (y: number) => height - (y / maxY) * (height - 6) - 3;
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
  const last = points[points.length - 1] as { y: number };
  return (
    <figure data-testid={testId}>
      <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" className="h-24 w-full" role="img" aria-label={`${label}: ${format(last.y)}`}>
        <path d={path} fill="none" stroke="#047857" strokeWidth="2" vectorEffect="non-scaling-stroke" />
      </svg>
      <figcaption className="text-xs text-slate-700">
        {label}: <strong>{format(last.y)}</strong> · max {format(maxY)}
      </figcaption>
    </figure>
  );
}

export function BarChart({ bars, label, testId }: { bars: { key: string; a: number; b: number }[]; label: string; testId?: string }) {
  const width = 320;
  const height = 90;
  const max = Math.max(1, ...bars.map((b) => Math.max(b.a, b.b)));
  const step = bars.length === 0 ? width : width / bars.length;
  return (
    <figure data-testid={testId}>
      <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" className="h-24 w-full" role="img" aria-label={label}>
        {bars.map((bar, i) => (
          <g key={bar.key}>
            <rect x={i * step + 1} y={height - (bar.a / max) * height} width={Math.max(1, step / 2 - 1)} height={(bar.a / max) * height} fill="#047857" />
            <rect x={i * step + step / 2} y={height - (bar.b / max) * height} width={Math.max(1, step / 2 - 1)} height={(bar.b / max) * height} fill="#0369a1" />
          </g>
        ))}
      </svg>
      <figcaption className="text-xs text-slate-700">{label}</figcaption>
    </figure>
  );
}
