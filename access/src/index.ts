export {
  type NetworkAccessibility,
  networkAccessibilities,
} from '@netbearer/machines';
export * from './authenticator.js';
export * from './cookie-jar.js';
export {
  BackgroundRequestNotAllowedError,
  InvalidRequestError,
  NetworkAccessDisabledError,
  NetworkReplyError,
  NetworkSessionFailedError,
  OperationCanceledError,
  RepresentationChangedError,
  TemporaryNetworkFailureError,
} from './errors.js';
export type { TlsOptions } from './link-dispatcher.js';
export {
  NetworkAccessManager,
  type NetworkAccessManagerEvents,
  type NetworkAccessManagerOptions,
} from './network-access-manager.js';
export {
  type CacheDecision,
  type CacheEntry,
  type CacheRequest,
  type CacheResponse,
  type CacheWriter,
  NetworkDiskCache,
  type NetworkDiskCacheOptions,
} from './network-disk-cache.js';
export {
  type NetworkError,
  networkErrorCodes,
  networkErrorOfStatus,
  networkErrors,
} from './network-error.js';
export {
  DefaultProxy,
  dispatcherFor,
  httpProxy,
  type NetworkProxy,
  NoProxy,
  noProxyMatches,
  type ProxyAgentOptions,
  ProxyDispatchers,
  ProxyError,
  type ProxyErrorName,
  type ProxyFactory,
  type ProxyQuery,
  type ProxyType,
  parseProxyUrl,
  proxiesFromEnvironment,
  proxyErrorOf,
  proxyErrorOfStatus,
  resolveProxy,
  socks5Proxy,
} from './network-proxy.js';
export {
  NetworkReply,
  type NetworkReplyEvents,
  type Operation,
  type ReplyAttribute,
  type ReplyAttributes,
  type SslError,
} from './network-reply.js';
export {
  type CacheLoadControl,
  cacheLoadControls,
  NetworkRequest,
  type NetworkRequestInit,
  type Priority,
  type RedirectPolicy,
  type RequestAttribute,
  type RequestAttributes,
  redirectPolicies,
} from './network-request.js';
export type { RequestBody } from './request-body.js';
export type { CookieJarLike } from './transfer-types.js';
