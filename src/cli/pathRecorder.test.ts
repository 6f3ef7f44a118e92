import { describe, expect, it } from 'vitest';
import { compileModel } from '../core/model.ts';
import { transitionLabel } from '../core/transitions.ts';
import { explore } from '../explorer/explore.ts';
import { Heartbeat, type Engine, type Strategy } from '../explorer/options.ts';
import { replay } from '../trace/trace.ts';
import { catalog } from '../../models/index.ts';
import { Published, publishedPath, recordingHeartbeat } from './pathRecorder.ts';

describe('recordingHeartbeat: replay paths learnt from the search heartbeat', () => {
  it.each([
    ['compiled', 'bfs'],
    ['compiled', 'dfs'],
    ['reference', 'bfs'],
    ['reference', 'dfs'],
  ] as [Engine, Strategy][])('%s %s: the path published for the state being expanded leads to a state where the step in the heartbeat is enabled at its choice', (engine, strategy) => {
    const model = compileModel(catalog.find((m) => m.name === 'classic/peterson')!, { n: 2 });
    const beat = new Int32Array(Heartbeat.size);
    const published = new Int32Array(Published.path + 1024);
    const checked: number[] = [];
    const heartbeat = recordingHeartbeat(beat, 1, published);
    // Stop the search at a few beats (as the watchdog would find it stuck) and check the path there.
    for (const stopAt of [1, 7, 50, 400]) {
      const stopping = new Proxy(heartbeat, {
        set(t, key, value: number) {
          Reflect.set(t, key, value);
          if (key === String(Heartbeat.transitions) && beat[Heartbeat.beat] === stopAt) throw new Error('stop');
          return true;
        },
      });
      expect(() => explore(model, { engine, strategy, heartbeat: stopping, determinismChecks: 0 })).toThrow('stop');
      const path = publishedPath(published, beat[Heartbeat.state]!)!;
      expect(path).toBeDefined();
      const trace = replay(model, [...path, beat[Heartbeat.choice]!]);
      const last = trace.steps.at(-1)!;
      expect(last.actor).toBe(model.actors[beat[Heartbeat.tid]!]!.name);
      expect(last.label).toBe(transitionLabel(model, { tid: beat[Heartbeat.tid]!, fn: beat[Heartbeat.fn]!, stmt: beat[Heartbeat.stmt]!, alt: beat[Heartbeat.alt]! }));
      checked.push(path.length);
    }
    expect(Math.max(...checked)).toBeGreaterThan(0);
  });

  it('publishes nothing before beat `from`, and says when a path is too long to keep', () => {
    const model = compileModel(catalog.find((m) => m.name === 'classic/peterson')!, { n: 2 });
    const beat = new Int32Array(Heartbeat.size);
    const never = new Int32Array(Published.path + 1024);
    explore(model, { heartbeat: recordingHeartbeat(beat, 1e9, never) });
    expect(never[Published.state]).toBe(-1);
    const tiny = new Int32Array(Published.path + 1);
    explore(model, { heartbeat: recordingHeartbeat(beat, 1, tiny) });
    expect(tiny[Published.length]).toBe(-1);
    expect(publishedPath(tiny, beat[Heartbeat.state]!)).toBeUndefined();
  });
});
