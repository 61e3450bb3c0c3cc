import { describe, expect, it } from 'vitest';
import { createRouteNormalizer, normalizeRoute, UNMATCHED_ROUTE } from '../../../src/facade/http/route.js';
import { generateUserPaths, REPORTED_PATHS } from '../../helpers/user-paths.js';

describe('normalizeRoute (default patterns)', () => {
  it.each([
    ['/users/123', '/users/:id'],
    ['/users/123/orders/456', '/users/:id/orders/:id'],
    ['/users/550e8400-e29b-41d4-a716-446655440000', '/users/:id'],
    ['/users/550E8400-E29B-41D4-A716-446655440000/avatar', '/users/:id/avatar'],
    ['/items/507f1f77bcf86cd799439011', '/items/:id'],
    ['/blobs/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', '/blobs/:id'],
    ['/users/alice', '/users/alice'],
    ['/api/v2/cafe', '/api/v2/cafe'],
    ['/', '/'],
    ['', '/'],
  ])('%s -> %s', (path, route) => {
    expect(normalizeRoute(path)).toBe(route);
  });

  it('strips the query string and the fragment', () => {
    expect(normalizeRoute('/search?q=secret&page=2')).toBe('/search');
    expect(normalizeRoute('/docs/42#section')).toBe('/docs/:id');
    expect(normalizeRoute('/docs?x=1#y')).toBe('/docs');
  });

  it('drops the scheme and host of an absolute-form target and collapses repeated slashes', () => {
    expect(normalizeRoute('http://example.com:8080/users/7?x=1')).toBe('/users/:id');
    expect(normalizeRoute('//users///7/')).toBe('/users/:id');
  });

  it('leaves short hex-looking words alone (below 16 hex digits)', () => {
    expect(normalizeRoute('/deadbeef')).toBe('/deadbeef');
    expect(normalizeRoute('/facade/decade')).toBe('/facade/decade');
    // 16 hex digits are an identifier even when they spell a route word.
    expect(normalizeRoute('/facadedecadebeef')).toBe('/:id');
  });

  it('collapses a 404 into the unmatched route, whatever the path', () => {
    expect(normalizeRoute('/wp-admin/setup-config.php', { statusCode: 404 })).toBe(UNMATCHED_ROUTE);
    expect(normalizeRoute('/users/1', { statusCode: 404 })).toBe('/*unmatched');
    expect(normalizeRoute('/users/1', { statusCode: 200 })).toBe('/users/:id');
  });

  it('never throws on a non-string path (JavaScript callers)', () => {
    expect(normalizeRoute(undefined as unknown as string)).toBe(UNMATCHED_ROUTE);
    expect(normalizeRoute(42 as unknown as string)).toBe(UNMATCHED_ROUTE);
  });
});

describe('createRouteNormalizer options', () => {
  it('adds caller patterns to the defaults, safely even with a global flag', () => {
    const normalize = createRouteNormalizer({ patterns: [/^[a-z]+-[a-z]+-\d+$/g] });
    expect(normalize('/posts/hello-world-3')).toBe('/posts/:id');
    // A `g` regex used twice would alternate true/false through lastIndex; the copy does not.
    expect(normalize('/posts/hello-world-3')).toBe('/posts/:id');
    expect(normalize('/posts/9')).toBe('/posts/:id');
  });

  it('uses a custom placeholder', () => {
    expect(createRouteNormalizer({ placeholder: '{id}' })('/users/12/posts/34')).toBe('/users/{id}/posts/{id}');
  });

  it('with an allow-list, returns the matching template verbatim', () => {
    const normalize = createRouteNormalizer({
      routes: ['/users/:userId', '/users/:userId/posts/{postId}', '/static/*', '/health'],
    });
    expect(normalize('/users/alice')).toBe('/users/:userId');
    expect(normalize('/users/alice/posts/7?draft=1')).toBe('/users/:userId/posts/{postId}');
    expect(normalize('/static/css/site.css')).toBe('/static/*');
    expect(normalize('/static')).toBe('/static/*');
    expect(normalize('/health')).toBe('/health');
  });

  it('with an allow-list, anything unknown collapses into the unmatched route', () => {
    const normalize = createRouteNormalizer({ routes: ['/users/:id'] });
    expect(normalize('/users')).toBe(UNMATCHED_ROUTE);
    expect(normalize('/users/1/extra')).toBe(UNMATCHED_ROUTE);
    expect(normalize('/.env')).toBe(UNMATCHED_ROUTE);
    expect(normalize('/users/1', { statusCode: 404 })).toBe(UNMATCHED_ROUTE);
  });
});

describe('no value a client chose reaches a label (issue 24)', () => {
  it.each(REPORTED_PATHS.map((p) => [p.path, p.route]))('%s -> %s', (path, route) => {
    expect(normalizeRoute(path)).toBe(route);
  });

  const generated = generateUserPaths(60);

  it('turns 360 generated emails, JWT-like tokens, tokens, slugs, file names and percent-encoded segments into their templates', () => {
    expect(generated).toHaveLength(360);
    expect(new Set(generated.map((p) => p.value)).size).toBeGreaterThan(350);
    const wrong = generated.filter((p) => normalizeRoute(p.path) !== p.route).map((p) => [p.path, normalizeRoute(p.path)]);
    expect(wrong).toEqual([]);
    const routes = new Set(generated.map((p) => normalizeRoute(p.path)));
    expect([...routes].sort()).toEqual(['/api/v1/sessions/:id', '/blog/:id', '/downloads/:id', '/people/:id/avatar', '/reset/:id', '/users/:id/settings']);
  });

  it('keeps only route words of a raw path: a capital, digit, dot, @, hyphen or % makes a segment the placeholder', () => {
    expect(normalizeRoute('/api/v1/order_items/Abc')).toBe('/api/v1/order_items/:id');
    expect(normalizeRoute('/api/order-items/x9')).toBe('/api/:id/:id');
    expect(normalizeRoute('/Users/%40me/favicon.ico')).toBe('/:id/:id/:id');
    expect(normalizeRoute(`/${'z'.repeat(33)}`)).toBe('/:id');
    expect(normalizeRoute(`/${'z'.repeat(32)}`)).toBe(`/${'z'.repeat(32)}`);
  });

  it('keeps a template from a framework or setRoute as written, apart from identifier-like segments', () => {
    expect(normalizeRoute('/api/order-items/:itemId', { template: true })).toBe('/api/order-items/:itemId');
    expect(normalizeRoute('/files/*path', { template: true })).toBe('/files/*path');
    expect(normalizeRoute('/users/42/{postId}', { template: true })).toBe('/users/:id/{postId}');
    // The same string as a raw path: its hyphenated segment and parameter names are values.
    expect(normalizeRoute('/api/order-items/:itemId')).toBe('/api/:id/:id');
  });
});

describe('the examples in docs/facade.md, "Routes"', () => {
  it('gives each documented path its documented route', () => {
    expect(normalizeRoute('/people/J%C3%BCrgen/avatar')).toBe('/people/:id/avatar');
    expect(normalizeRoute('/api/v1/order_items')).toBe('/api/v1/order_items');
    // The documented limit: a value that is one lowercase word is kept...
    expect(normalizeRoute('/tags/red')).toBe('/tags/red');
    expect(normalizeRoute('/u/john')).toBe('/u/john');
    // ...unless an allow-list names the route: then nothing outside it can appear.
    const allowList = createRouteNormalizer({ routes: ['/tags/:tag'] });
    expect(allowList('/tags/red')).toBe('/tags/:tag');
    expect(allowList('/u/john')).toBe(UNMATCHED_ROUTE);
  });
});
