/** Small DOM helpers for the page: element creation without innerHTML (nothing the user gives is ever parsed as markup). */

type Child = Node | string | undefined | false;

/** Creates an element with attributes (`class`, `data-*`, aria-*, …) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K, attributes: Record<string, string | number | boolean | undefined> = {}, ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== undefined && child !== false) element.append(child);
  return element;
}

/** The element with this id (the page's markup has it). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`The page has no #${id}`);
  return element as T;
}

export const hex2 = (byte: number): string => byte.toString(16).padStart(2, '0');

export const toHex = (bytes: Uint8Array, separator = ' '): string => Array.from(bytes, hex2).join(separator);

/** Shows a message in an alert paragraph, or hides it. */
export function showError(element: HTMLElement, message: string | undefined): void {
  element.hidden = message === undefined;
  element.textContent = message ?? '';
}

const encoder = new TextEncoder();
export const encodeText = (text: string): Uint8Array => encoder.encode(text);
