/** Internal: the checked configuration the module builds from its options. Not exported. */
export const SESSION_CONFIG = Symbol.for('nest-sessions.config');
/** Internal: metadata listing the session names a handler's parameters use. */
export const SESSION_NAMES_METADATA = 'nest-sessions:names';
/** Nest's own metadata keys (their constants live behind a deep import Nest 12 refuses). */
export const NEST_RENDER_METADATA = '__renderTemplate__';
export const NEST_HTTP_CODE_METADATA = '__httpCode__';
export const NEST_SSE_METADATA = '__sse__';
