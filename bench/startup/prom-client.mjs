// The prom-client side of the start-up section: the library and its default metrics, as its README starts.
import client from 'prom-client';

client.collectDefaultMetrics();
