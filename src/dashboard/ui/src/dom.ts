/** Builds elements from text only: nothing the server sends is ever parsed as HTML. */
type Child = Node | string | number | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name === "class") node.className = String(value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "object" ? child : String(child));
  }
  return node;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from the page`);
  return node as T;
}

export function replaceRows(
  tbody: HTMLTableSectionElement,
  rows: HTMLTableRowElement[],
  empty: string,
  columns: number,
) {
  if (rows.length === 0) rows = [el("tr", { class: "empty" }, el("td", { colspan: String(columns) }, empty))];
  tbody.replaceChildren(...rows);
}
