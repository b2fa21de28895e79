import { describe, expect, it } from 'vitest';
import { queryWhere } from './data.ts';
import { queryFilters, toFilters } from './filters.ts';
import { html, trusted } from './html.ts';

describe('view html', () => {
  it('escapes every interpolated value, nested templates excepted', () => {
    const hostile = `<script>x</script>"'&`;
    expect(html`<p title="${hostile}">${hostile}</p>`.text).toBe('<p title="&lt;script&gt;x&lt;/script&gt;&quot;&#39;&amp;">&lt;script&gt;x&lt;/script&gt;&quot;&#39;&amp;</p>');
    expect(html`<ul>${[hostile, html`<li>${hostile}</li>`]}</ul>`.text).toBe('<ul>&lt;script&gt;x&lt;/script&gt;&quot;&#39;&amp;<li>&lt;script&gt;x&lt;/script&gt;&quot;&#39;&amp;</li></ul>');
    expect(html`${null}${undefined}${false}${0}${trusted('<b>')}`.text).toBe('0<b>');
  });
});

describe('view filters', () => {
  it('turn URL parameters into one placeholder per value and fixed SQL fragments', () => {
    const params = queryFilters.parse({ run: 'r1', tier: 'medium', endpoint: "x' OR 1=1 --", max_score: '2', fallback: 'no', rating: 'rated', judged: '', q: ' Pass%word ', page: '3' });
    const { where, params: values } = queryWhere(toFilters(params));
    expect(where).toBe('true AND tier = ? AND routed_endpoint = ? AND served_score <= ? AND NOT fallback_used AND raters > 0 AND contains(folded_text, ?)');
    expect(values).toEqual(['medium', "x' OR 1=1 --", 2, 'pass%word']);
    expect(toFilters(params).page).toBe(3);
  });

  it('refuse what is not one of the choices', () => {
    expect(queryFilters.safeParse({ run: 'r', tier: 'huge' }).success).toBe(false);
    expect(queryFilters.safeParse({ run: 'r', max_score: '0' }).success).toBe(false);
    expect(queryFilters.safeParse({ run: 'r', page: '-1' }).success).toBe(false);
    expect(queryFilters.safeParse({ run: 'r', q: 'x'.repeat(201) }).success).toBe(false);
    expect(queryFilters.safeParse({}).success).toBe(false);
  });
});
