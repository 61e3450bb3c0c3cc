import { EventEmitter } from 'node:events';
import { AggregationTemporality, DataPointType, type CollectionResult, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClusterPrimary, WORKER_DEADLINE_SHARE, type ClusterPrimaryHost, type MissedReason } from '../../../src/cluster/primary.js';
import { ClusterWorker, type ClusterWorkerHost } from '../../../src/cluster/worker.js';

const T: [number, number] = [1, 0];

function sum(name: string, value: number, isMonotonic = true): MetricData {
  return {
    descriptor: { name, description: `${name}.`, unit: '1', valueType: 1 },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic,
    dataPoints: [{ attributes: {}, startTime: T, endTime: T, value }],
  };
}

function collection(metrics: MetricData[]): ResourceMetrics {
  return { resource: undefined as never, scopeMetrics: [{ scope: { name: 'promkit' }, metrics }] };
}

/** A worker process: its IPC channel to the fake cluster, and what it would collect. */
class FakeWorker {
  readonly channel = new EventEmitter() as EventEmitter & ClusterWorkerHost & { connected: boolean };
  orders = 0;
  active = 0;
  connected = true;
  requests: unknown[] = [];
  promkit: ClusterWorker | undefined;

  constructor(
    readonly id: number,
    readonly host: FakeCluster,
    mode: 'answers' | 'mute' | 'fails' | 'plain',
  ) {
    this.channel.connected = true;
    // The worker's `process.send`: the message reaches the primary's `cluster.on('message')`.
    this.channel.send = (message, callback) => {
      queueMicrotask(() => host.emit('message', this, message));
      callback(null);
      return true;
    };
    // The app's own worker without promkit: it never says it is ready.
    if (mode === 'plain') return;
    if (mode === 'mute') {
      // Says it runs promkit, then never answers (a worker stuck in a busy loop).
      this.channel.send({ promkit: 'cluster.ready' }, () => undefined);
      return;
    }
    this.promkit = new ClusterWorker({
      host: this.channel,
      finalTimeoutMillis: 1000,
      collect: async () => {
        if (mode === 'fails') throw new Error('collection failed');
        return collection([sum('orders', this.orders), sum('http.server.active_requests', this.active, false)]);
      },
    });
  }

  // The primary's `worker.send`: the message reaches the worker's `process.on('message')`.
  send(message: unknown, callback?: (error: Error | null) => void): boolean {
    this.requests.push(message);
    queueMicrotask(() => this.channel.emit('message', message));
    callback?.(null);
    return true;
  }

  isConnected(): boolean {
    return this.connected;
  }

  /** The channel closes, then the process is gone (as `cluster` reports both). */
  exit(): void {
    this.connected = false;
    this.channel.connected = false;
    this.host.emit('disconnect', this);
    this.host.emit('exit', this);
  }
}

class FakeCluster extends EventEmitter {
  readonly workers: Record<string, FakeWorker> = {};

  fork(id: number, mode: 'answers' | 'mute' | 'fails' | 'plain' = 'answers'): FakeWorker {
    const worker = new FakeWorker(id, this, mode);
    this.workers[id] = worker;
    return worker;
  }
}

function valueOf(result: CollectionResult, name: string): number[] {
  return result.resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((metric) => metric.descriptor.name === name)
    .flatMap((metric) => metric.dataPoints.map((point) => point.value as number));
}

const own = async (): Promise<CollectionResult> => ({ resourceMetrics: collection([sum('orders', 1)]), errors: [] });

let cluster: FakeCluster;
let missed: MissedReason[];
let primary: ClusterPrimary;

beforeEach(() => {
  cluster = new FakeCluster();
  missed = [];
  primary = new ClusterPrimary({ host: cluster as unknown as ClusterPrimaryHost, onMissed: (reason) => missed.push(reason) });
});
afterEach(() => {
  primary.stop();
  vi.useRealTimers();
});

describe('the cluster primary', () => {
  it('sums the primary and every worker that answered', async () => {
    Object.assign(cluster.fork(1), { orders: 5, active: 2 });
    Object.assign(cluster.fork(2), { orders: 7, active: 3 });
    await Promise.resolve();
    const result = await primary.collect(own, 1000);
    expect(valueOf(result, 'orders')).toEqual([13]);
    expect(valueOf(result, 'http.server.active_requests')).toEqual([5]);
    expect(missed).toEqual([]);
  });

  it('gives workers a share of the deadline, so their answers can travel back in time', async () => {
    const worker = cluster.fork(1);
    await Promise.resolve();
    await primary.collect(own, 1000);
    expect(worker.requests).toEqual([{ promkit: 'cluster.collect', requestId: 1, timeoutMillis: 1000 * WORKER_DEADLINE_SHARE }]);
  });

  it('answers at the deadline without a worker that never answers, and counts it missed', async () => {
    vi.useFakeTimers();
    cluster.fork(1).orders = 5;
    cluster.fork(2, 'mute');
    await vi.advanceTimersByTimeAsync(0);
    let result: CollectionResult | undefined;
    void primary.collect(own, 1000).then((r) => (result = r));
    await vi.advanceTimersByTimeAsync(999);
    expect(result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(result && valueOf(result, 'orders')).toEqual([6]);
    expect(missed).toEqual(['timeout']);
  });

  it('counts a worker whose collection failed as missed, and does not wait for it', async () => {
    cluster.fork(1).orders = 5;
    cluster.fork(2, 'fails');
    await Promise.resolve();
    const result = await primary.collect(own, 60_000);
    expect(valueOf(result, 'orders')).toEqual([6]);
    expect(missed).toEqual(['error']);
  });

  it('serves a worker that misses a collection from its last answer: counters stay, gauges go', async () => {
    vi.useFakeTimers();
    Object.assign(cluster.fork(1), { orders: 5, active: 2 });
    const slow = Object.assign(cluster.fork(2), { orders: 3, active: 4 });
    await vi.advanceTimersByTimeAsync(0);
    const first = primary.collect(own, 1000);
    await vi.advanceTimersByTimeAsync(0);
    expect(valueOf(await first, 'orders')).toEqual([9]);
    // Now worker 2 stops answering: its 3 orders must not vanish from the sum (a counter reset).
    slow.send = () => true;
    const second = primary.collect(own, 1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(valueOf(await second, 'orders')).toEqual([9]);
    expect(valueOf(await second, 'http.server.active_requests')).toEqual([2]);
    expect(missed).toEqual(['timeout']);
  });

  it('keeps the totals of a worker that died, so its replacement adds to them', async () => {
    cluster.fork(1).orders = 5;
    const dying = cluster.fork(2);
    dying.orders = 3;
    await Promise.resolve();
    expect(valueOf(await primary.collect(own, 1000), 'orders')).toEqual([9]);
    dying.orders = 4; // counted after the last collection: lost with a worker that dies without shutting down
    dying.exit();
    delete cluster.workers[2];
    cluster.fork(3).orders = 1;
    await Promise.resolve();
    expect(valueOf(await primary.collect(own, 1000), 'orders')).toEqual([10]);
    expect(valueOf(await primary.collect(own, 1000), 'orders')).toEqual([10]);
  });

  it('takes the final totals of a worker that shuts promkit down, and counts them once', async () => {
    cluster.fork(1).orders = 5;
    const leaving = cluster.fork(2);
    leaving.orders = 3;
    await Promise.resolve();
    expect(valueOf(await primary.collect(own, 1000), 'orders')).toEqual([9]);
    leaving.orders = 4;
    await leaving.promkit!.stop();
    await Promise.resolve();
    expect(valueOf(await primary.collect(own, 1000), 'orders')).toEqual([10]);
    leaving.exit();
    delete cluster.workers[2];
    expect(valueOf(await primary.collect(own, 1000), 'orders')).toEqual([10]);
    expect(missed).toEqual([]);
  });

  it('asks only workers that run promkit', async () => {
    const plain = cluster.fork(9, 'plain');
    await Promise.resolve();
    const result = await primary.collect(own, 60_000);
    expect(valueOf(result, 'orders')).toEqual([1]);
    expect(plain.requests).toEqual([]);
    expect(missed).toEqual([]);
  });
});

describe('a cluster worker', () => {
  it('answers requests that arrive during one collection with that collection, collecting once', async () => {
    const channel = new EventEmitter() as EventEmitter & ClusterWorkerHost & { connected: boolean };
    const sent: unknown[] = [];
    channel.connected = true;
    channel.send = (message, callback) => {
      sent.push(message);
      callback(null);
      return true;
    };
    let collections = 0;
    let finish: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (finish = resolve));
    const worker = new ClusterWorker({
      host: channel,
      finalTimeoutMillis: 1000,
      collect: async () => {
        collections++;
        await gate;
        return collection([sum('orders', 2)]);
      },
    });
    channel.emit('message', { promkit: 'cluster.collect', requestId: 1, timeoutMillis: 100 });
    channel.emit('message', { promkit: 'cluster.collect', requestId: 2, timeoutMillis: 100 });
    channel.emit('message', { hello: 'an app message' });
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(collections).toBe(1);
    expect(sent.map((message) => (message as { promkit: string; requestId?: number }).requestId ?? (message as { promkit: string }).promkit)).toEqual([
      'cluster.ready',
      1,
      2,
    ]);
    await worker.stop();
    expect(sent.at(-1)).toMatchObject({ promkit: 'cluster.final' });
  });
});
