// Self-contained HTML reports: figures as inline SVG, tables, inline CSS; no script, no link, no
// URL fetched from anywhere (checked by `externalReferences` before a report is written).
import type { RenderedFigure } from './figure.js';
import type { Table } from './run-tables.js';

export interface ReportSection {
  readonly heading: string;
  readonly figures?: readonly RenderedFigure[];
  readonly tables?: readonly Table[];
  /** PNG images (e.g. attention overlays), embedded as data: URIs. */
  readonly images?: readonly ReportImage[];
  /** Preformatted text blocks (e.g. a run's config), shown folded. */
  readonly details?: readonly { readonly summary: string; readonly text: string }[];
}

export interface ReportImage {
  /** File-name stem and HTML id. */
  readonly name: string;
  readonly caption: string;
  readonly png: Uint8Array;
}

export interface ReportPage {
  readonly title: string;
  /** Lines under the title (escaped). */
  readonly subtitle: readonly string[];
  readonly sections: readonly ReportSection[];
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Prefix every `id` of an SVG (and its `url(#…)` / `href="#…"` uses) so that several inline SVGs
 * in one page do not share clip-path or gradient ids.
 */
export function namespaceSvgIds(svg: string, prefix: string): string {
  const ids = new Set([...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1] as string));
  if (ids.size === 0) return svg;
  const rename = (id: string): string => (ids.has(id) ? `${prefix}-${id}` : id);
  return svg
    .replace(/(\sid=")([^"]+)"/g, (_, head: string, id: string) => `${head}${rename(id)}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${rename(id)})`)
    .replace(/(href=")#([^"]+)"/g, (_, head: string, id: string) => `${head}#${rename(id)}"`);
}

/** The XML prolog, if any, is not allowed inside HTML. */
function inlineSvg(svg: string, prefix: string): string {
  return namespaceSvgIds(svg.replace(/^<\?xml[^>]*>\s*/, ''), prefix);
}

export function tableHtml(table: Table): string {
  const head = table.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = table.rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('\n');
  return `<table><caption>${escapeHtml(table.caption)}</caption>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;
}

export function figureHtml(rendered: RenderedFigure): string {
  const { name, caption } = rendered.figure;
  return `<figure id="fig-${escapeHtml(name)}" data-figure="${escapeHtml(name)}">\n${inlineSvg(rendered.svg, `fig-${name}`)}\n<figcaption>${escapeHtml(caption)} <span class="file">figures/${escapeHtml(name)}.png</span></figcaption>\n</figure>`;
}

export function imageHtml(image: ReportImage): string {
  const src = `data:image/png;base64,${Buffer.from(image.png).toString('base64')}`;
  return `<figure id="img-${escapeHtml(image.name)}"><img src="${src}" alt="${escapeHtml(image.caption)}">\n<figcaption>${escapeHtml(image.caption)}</figcaption></figure>`;
}

const STYLE = `
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1400px; padding: 0 16px; color: #222; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; border-bottom: 1px solid #ddd; padding-bottom: 4px; margin-top: 32px; }
.subtitle { color: #666; font-size: 13px; margin: 2px 0; }
figure { margin: 16px 0; overflow-x: auto; } img { max-width: 100%; } figcaption { font-size: 13px; color: #555; margin-top: 4px; }
.file { font-family: monospace; color: #999; }
table { border-collapse: collapse; margin: 12px 0; font-size: 13px; } caption { text-align: left; font-weight: bold; padding: 4px 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; } th:first-child, td:first-child { text-align: left; }
thead th { background: #f4f4f4; } pre { background: #f7f7f7; padding: 8px; font-size: 12px; overflow-x: auto; }
`;

export function reportHtml(page: ReportPage): string {
  const sections = page.sections.map((s) => {
    const parts = [
      `<h2>${escapeHtml(s.heading)}</h2>`,
      ...(s.tables ?? []).map(tableHtml),
      ...(s.figures ?? []).map(figureHtml),
      ...(s.images ?? []).map(imageHtml),
      ...(s.details ?? []).map((d) => `<details><summary>${escapeHtml(d.summary)}</summary><pre>${escapeHtml(d.text)}</pre></details>`),
    ];
    return `<section>\n${parts.join('\n')}\n</section>`;
  });
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(page.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    `<h1>${escapeHtml(page.title)}</h1>`,
    ...page.subtitle.map((line) => `<p class="subtitle">${escapeHtml(line)}</p>`),
    ...sections,
    '</body></html>',
    '',
  ].join('\n');
}

/**
 * Everything in `html` that would make a browser fetch something: src/href values that are not
 * in-page (`#…`) or `data:` URIs, `<script src>`, `<link>`, CSS `url(…)` / `@import` of a
 * non-fragment. Empty for a self-contained page. (XML namespace URIs such as `xmlns="http://…"`
 * are names, not fetches, and are not reported.)
 */
export function externalReferences(html: string): string[] {
  const found: string[] = [];
  for (const m of html.matchAll(/\s(?:src|href|xlink:href)\s*=\s*["']?([^"'\s>]*)/gi)) {
    const value = m[1] as string;
    if (!value.startsWith('#') && !value.startsWith('data:')) found.push(m[0].trim());
  }
  for (const m of html.matchAll(/<script\b[^>]*\bsrc\b[^>]*>|<link\b[^>]*>|@import\b[^;]*/gi)) found.push(m[0]);
  for (const m of html.matchAll(/url\(\s*["']?([^"')]*)/gi)) {
    if (!(m[1] as string).startsWith('#') && !(m[1] as string).startsWith('data:')) found.push(m[0]);
  }
  return [...new Set(found)];
}
