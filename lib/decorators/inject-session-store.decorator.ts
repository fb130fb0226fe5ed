import { Inject } from '@nestjs/common';
import { SessionStore } from '../stores/session-store.js';

/** Injects the default session's store: `constructor(@InjectSessionStore() store: SessionStore)`. */
export const InjectSessionStore = (): PropertyDecorator & ParameterDecorator => Inject(SessionStore);
