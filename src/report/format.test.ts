import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { cell } from './format.ts';

// What a Markdown viewer makes of report.md: GitHub-flavoured, with autolinks of bare URLs.
async function rendered(markdown: string): Promise<string> {
  return marked.parse(markdown, { gfm: true, async: true });
}

const HOSTILE = [
  '![](http://evil.example/pixel.png) where is my order',
  '[click here](javascript:alert(document.cookie))',
  '[ref]: http://evil.example',
  '<http://evil.example> <img src=x onerror=alert(1)>',
  'call http://evil.example/a?b=c or www.evil.example or mail me@evil.example',
  '1. not a list',
  '- not an item',
  '# not a heading',
  'a | b, *stars*, _under_, `code`, ~strike~',
];

describe('cell: the one Markdown escaping rule of report.md', () => {
  it.each(HOSTILE)('shows %j as text: no link, image or markup, in a table, a list item and a line', async (text) => {
    const html = await rendered(`| a | b |\n| --- | --- |\n| ${cell(text)} | x |\n\n- ${cell(text)}\n\nStep: ${cell(text)}\n`);
    expect(html).not.toMatch(/<(a|img|em|strong|code|del|h1|ol|script)\b/);
    // The table kept its two columns, and each place shows the original text.
    const shown = [...html.matchAll(/<td>(.*?)<\/td>|<li>(.*?)<\/li>|<p>Step: (.*?)<\/p>/g)].map((match) => match[1] ?? match[2] ?? match[3]);
    const decode = (value: string | undefined): string =>
      (value ?? '').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&');
    expect(shown.map(decode)).toEqual([text, 'x', text, text]);
  });

  it('renders a link from the report itself (the control: the viewer does make links)', async () => {
    expect(await rendered('[x](http://evil.example) ![](http://evil.example/p.png) http://evil.example')).toMatch(/<a href="http:\/\/evil\.example">x<\/a>.*<img src=/);
  });

  it('keeps a line on one line', () => {
    expect(cell('a\nb\r\nc')).toBe('a b c');
  });
});
