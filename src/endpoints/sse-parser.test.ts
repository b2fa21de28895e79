import { describe, it, expect } from 'vitest';
import { createSseParser } from './sse-parser.ts';

function parseBytes(chunks: Buffer[]): string[] {
  const events: string[] = [];
  const parser = createSseParser((bytes, start, end) => events.push(bytes.toString('utf8', start, end)));
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return events;
}

function parse(chunks: string[]): string[] {
  return parseBytes(chunks.map((chunk) => Buffer.from(chunk)));
}

describe('createSseParser', () => {
  it('delivers one data payload per event, with LF or CRLF endings', () => {
    expect(parse(['data: {"a":1}\n\ndata: {"b":2}\r\n\r\ndata: [DONE]\n\n'])).toEqual(['{"a":1}', '{"b":2}', '[DONE]']);
  });

  it('reassembles events split anywhere, including inside the line ending', () => {
    const text = 'data: {"content":"We open"}\r\n\r\ndata: {"content":" at 9."}\r\n\r\n';
    for (let cut = 1; cut < text.length; cut++) {
      expect(parse([text.slice(0, cut), text.slice(cut)])).toEqual(['{"content":"We open"}', '{"content":" at 9."}']);
    }
    expect(parse(text.split(''))).toEqual(['{"content":"We open"}', '{"content":" at 9."}']);
  });

  it('reassembles events split at any byte, inside a UTF-8 character too, and after the transport reuses its chunk', () => {
    const bytes = Buffer.from('data: {"content":"déjà 👍"}\r\n\r\ndata: {"content":"ß"}\ndata: 2\n\n');
    const whole = ['{"content":"déjà 👍"}', '{"content":"ß"}\n2'];
    for (let cut = 1; cut < bytes.length; cut++) {
      for (let second = cut; second < bytes.length; second += 7) {
        const chunks = [bytes.subarray(0, cut), bytes.subarray(cut, second), bytes.subarray(second)].map((chunk) => Buffer.from(chunk));
        const events: string[] = [];
        const parser = createSseParser((data, start, end) => events.push(data.toString('utf8', start, end)));
        for (const chunk of chunks) {
          parser.push(chunk);
          chunk.fill(0); // an event still open must not depend on a chunk already handed back
        }
        parser.end();
        expect(events, `cut at ${cut} and ${second}`).toEqual(whole);
      }
    }
  });

  it('joins multi-line data, skips comments and other fields, and keeps a value without the optional space', () => {
    expect(parse([': keep-alive\n', 'event: message\nid: 7\ndata: first\ndata:second\n\n'])).toEqual(['first\nsecond']);
  });

  it('delivers a last event that lacks its blank line when the stream ends', () => {
    expect(parse(['data: {"a":1}\n\ndata: {"b":2}'])).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('ignores blank lines that close no event', () => {
    expect(parse(['\n\n\ndata: x\n\n\n\n'])).toEqual(['x']);
  });
});

describe('createSseParser, field names', () => {
  it('reads "data" exactly: a bare "data" line is an empty value, other fields starting with "data" are ignored', () => {
    expect(parse(['data\ndata: x\n\n'])).toEqual(['\nx']);
    expect(parse(['dataset: 1\ndatum: 2\ndat\ndata: kept\n\n'])).toEqual(['kept']);
  });
});
