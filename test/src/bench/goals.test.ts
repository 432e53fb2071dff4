import { describe, expect, it } from 'vitest';
import { judge } from './goals.js';
import { line } from './measure.js';

describe('benchmark goals', () => {
  it('judges idle CPU on the difference from the idle process, and shows it', () => {
    const name = 'generic: idle CPU over 10 s with listeners vs an idle process';
    // 55 ms is over 10 ms, but an empty process took 47 ms beside it: netbearer added 8 ms.
    expect(judge(line(name, 55, 'ms', 47))).toEqual({
      text: 'goal value − baseline ≤ 10 ms (8 ms): met',
      met: true,
    });
    expect(judge(line(name, 58.5, 'ms', 47))).toEqual({
      text: 'goal value − baseline ≤ 10 ms (11.5 ms): MISSED',
      met: false,
    });
  });

  it('judges link churn heap growth against 1 MB, and every other line by its own goal', () => {
    const churn = 'link churn: heap growth after 10000 cycles';
    expect(judge(line(churn, 1024, 'KB', 100))?.met).toBe(true);
    expect(judge(line(churn, 1025, 'KB', 100))).toEqual({
      text: 'goal ≤ 1 MB: MISSED',
      met: false,
    });
    expect(
      judge(line('heap per idle open session vs a bare session actor', 9000, 'bytes', 1))?.met,
    ).toBe(false);
    expect(judge(line('sessions: 10000 open', 30, 'ms', 10))?.text).toBe(
      'goal ratio ≤ 2.0: MISSED',
    );
    expect(judge(line('networkmanager: signal-to-event overhead', 0.4, 'ms', 30))?.met).toBe(true);
    expect(judge(line('something new', 1, 'ms', 1))).toBeUndefined();
  });

  it('judges parse fidelity: ours must be 100%, whatever the peer scored', () => {
    const fields = 'parse fidelity: netsh show networks, fields right, ours vs node-wifi';
    expect(judge(line(fields, 100, '%', 10.16))).toEqual({
      text: 'goal ours = 100%: met',
      met: true,
    });
    expect(judge(line(fields, 99.89, '%', 10.16))?.met).toBe(false);
    const throws =
      'parse fidelity: netsh show networks, fixtures parsed without a throw, ours vs systeminformation';
    expect(judge(line(throws, 100, '%', 100))?.text).toBe('goal ours = 100% (0 throws): met');
    expect(judge(line(throws, 88.89, '%', 100))?.met).toBe(false);
    const interfaces = 'parse fidelity: netsh show interfaces, fields right, ours vs node-wifi';
    expect(judge(line(interfaces, 96.97, '%', 42.42))?.text).toBe('goal ours = 100%: MISSED');
    expect(
      judge(line('parse time per fixture: netsh show networks, ours vs node-wifi', 1, 'ms', 1)),
    ).toBeUndefined();
  });

  it('judges parse time per MB against 50 ms, whatever the decode+split floor took', () => {
    const worst = 'parse time per MB: airport -s, worst input (blank lines (LF)) vs decode+split';
    expect(judge(line(worst, 50, 'ms', 60))).toEqual({ text: 'goal ≤ 50 ms: met', met: true });
    expect(judge(line(worst, 50.5, 'ms', 10))).toEqual({
      text: 'goal ≤ 50 ms: MISSED',
      met: false,
    });
  });

  it("judges the access manager against request (≥ 0.9×) and fetch (≥ 2×) by the line's end", () => {
    const gets = 'access: 2000 small GETs at concurrency 6, manager with an open session';
    expect(judge(line(`${gets} vs undici request`, 90, 'req/s', 100))?.text).toBe(
      'goal ratio ≥ 0.9: met',
    );
    expect(judge(line(`${gets} vs undici request`, 89, 'req/s', 100))?.met).toBe(false);
    expect(judge(line(`${gets} vs global fetch`, 199, 'req/s', 100))?.text).toBe(
      'goal ratio ≥ 2.0: MISSED',
    );
    const download = 'access: 8 MiB download, manager with an open session';
    expect(judge(line(`${download} vs global fetch`, 200, 'MB/s', 100))?.met).toBe(true);
    expect(judge(line('access: small GET p99 latency, manager vs global fetch', 9, 'ms', 1))).toBe(
      undefined,
    );
    expect(judge(line('access: roam, to the first resumed byte', 22, 'ms', 3))).toEqual({
      text: 'goal value − baseline ≤ 20 ms (19 ms): met',
      met: true,
    });
    expect(judge(line('access: cache hit, vs the network', 0.9, 'req/s', 1))?.met).toBe(false);
  });
});
