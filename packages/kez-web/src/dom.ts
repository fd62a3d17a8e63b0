// Building DOM from data: text is always a text node (remote text never becomes markup).
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** A button that copies `text`, saying so in its own label for screen readers too. */
export function copyButton(text: string, what: string): HTMLButtonElement {
  const label = `Copy ${what}`;
  const b = h('button', { type: 'button', class: 'copy', 'aria-label': label }, 'Copy');
  b.addEventListener('click', () => {
    navigator.clipboard.writeText(text).then(
      () => {
        b.textContent = 'Copied';
        b.setAttribute('aria-label', `${what} copied`);
        setTimeout(() => {
          b.textContent = 'Copy';
          b.setAttribute('aria-label', label);
        }, 2000);
      },
      () => {
        b.textContent = 'Copy failed';
      },
    );
  });
  return b;
}
