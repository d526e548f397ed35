// The transport the settings name: RabbitMQ when broker.url is set, else the
// in-process one (`npm start` and tests without a broker).
import type { Settings } from '#app/config';
import type { Logger } from '#app/log';
import type { Transport } from '#app/queue/transport';
import { AmqpTransport } from '#app/queue/transports/amqp';
import { LocalTransport } from '#app/queue/transports/local';

export function createTransport(settings: Settings, log?: Logger): Transport {
  if (!settings.broker.url) return new LocalTransport();
  return new AmqpTransport({ url: settings.broker.url, prefix: settings.broker.prefix, queueType: settings.broker.queueType, log });
}
