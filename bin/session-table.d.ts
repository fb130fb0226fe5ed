import type { TableIndexOptions, TableOptions } from 'typeorm';

export declare const SESSION_TABLE_NAME: 'sessions';
export declare const SESSION_INDEX_NAMES: Readonly<{ expiresAt: string; userId: string }>;
export declare const MIGRATION_TIMESTAMP: number;
export declare function sessionTableOptions(): TableOptions & { name: string };
export declare function sessionIndexOptions(): TableIndexOptions[];
export declare function renderMigration(options: { className: string }): string;
