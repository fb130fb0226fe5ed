import type { TableColumnOptions, TableIndexOptions, TableOptions } from 'typeorm';

export declare const SESSION_TABLE_NAME: 'sessions';
export declare const SESSION_INDEX_NAMES: Readonly<{ expiresAt: string; userId: string; tag: string }>;
export declare const MIGRATION_TIMESTAMP: number;
export declare const TAG_MIGRATION_TIMESTAMP: number;
export declare function tagColumnOptions(): TableColumnOptions;
export declare function tagIndexOptions(): TableIndexOptions;
export declare function renderTagMigration(options: { className: string }): string;
export declare function sessionTableOptions(): TableOptions & { name: string };
export declare function sessionIndexOptions(): TableIndexOptions[];
export declare function renderMigration(options: { className: string }): string;
