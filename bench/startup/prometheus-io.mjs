// The @prometheus-io/client side of the start-up section: the library and its default metrics.
import client from '@prometheus-io/client';

client.collectDefaultMetrics();
