// One contract, two transports: what the job engine relies on holds for the
// in-process transport and for RabbitMQ alike.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEAD_LETTERS, type Message } from '#app/queue/transport';
import { eventually, testTransport, transportAvailable, TRANSPORTS } from '#test/support/queue';

const bodies = (n: number, from = 0) => Array.from({ length: n }, (_, i) => Buffer.from(String(from + i)));

for (const kind of TRANSPORTS) {
  describe(`transport contract: ${kind}`, () => {
    it('delivers every published message once when each is acked', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const tr = await testTransport(kind);
      await tr.assertQueues(['test']);
      const got: string[] = [];
      const c = await tr.consume('test', { prefetch: 50 }, (m) => {
        got.push(m.body.toString());
        m.ack();
      });
      await tr.publish('test', bodies(500));
      await eventually(() => got.length >= 500, 10_000, '500 deliveries');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(got.length, 500, 'no duplicates');
      assert.deepEqual(new Set(got), new Set(bodies(500).map(String)));
      await c.cancel();
    });

    it('honours the prefetch: no more unacked messages than asked for', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const tr = await testTransport(kind);
      await tr.assertQueues(['test']);
      const held: Message[] = [];
      const c = await tr.consume('test', { prefetch: 3 }, (m) => held.push(m));
      await tr.publish('test', bodies(10));
      await eventually(() => held.length === 3, 5000, 'three deliveries');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(held.length, 3, 'the fourth waits for an ack');
      held[0].ack();
      await eventually(() => held.length === 4, 5000, 'a fourth delivery after one ack');
      await c.cancel();
    });

    it('gives unacked messages back when the consumer goes away, marked redelivered', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const tr = await testTransport(kind);
      await tr.assertQueues(['test']);
      const first: Message[] = [];
      const c1 = await tr.consume('test', { prefetch: 10 }, (m) => first.push(m));
      await tr.publish('test', bodies(5));
      await eventually(() => first.length === 5, 5000, 'five deliveries');
      first[0].ack();
      await c1.cancel();
      const second: Message[] = [];
      const c2 = await tr.consume('test', { prefetch: 10 }, (m) => {
        second.push(m);
        m.ack();
      });
      await eventually(() => second.length === 4, 5000, 'the four unacked ones again');
      assert.ok(
        second.every((m) => m.redelivered),
        'redelivered flag set',
      );
      assert.deepEqual(second.map((m) => m.body.toString()).sort(), ['1', '2', '3', '4']);
      await c2.cancel();
    });

    it('dead-letters a nacked message and requeues on nack(true)', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const tr = await testTransport(kind);
      await tr.assertQueues(['test']);
      let seen = 0;
      const c = await tr.consume('test', { prefetch: 1 }, (m) => {
        seen++;
        if (seen === 1)
          m.nack(true); // back to the queue
        else m.nack(false); // to the dead letters
      });
      await tr.publish('test', [Buffer.from('poison')]);
      await eventually(async () => (await tr.depth(DEAD_LETTERS)) === 1, 5000, 'one dead letter');
      assert.equal(seen, 2, 'requeued once, then dead-lettered');
      assert.equal(await tr.depth('test'), 0);
      await c.cancel();
    });

    it('reports its depth and its status', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const tr = await testTransport(kind);
      await tr.assertQueues(['test']);
      await tr.publish('test', bodies(7));
      await eventually(async () => (await tr.depth('test')) === 7, 5000, 'depth 7');
      assert.equal(tr.status().ok, true);
      assert.equal(tr.status().transport, kind);
    });
  });
}
