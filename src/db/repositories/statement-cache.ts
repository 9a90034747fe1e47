import type Database from 'better-sqlite3';

/**
 * Statements whose SQL takes one of a few shapes (an UPDATE's column list follows its patch), compiled once per
 * shape: better-sqlite3 keeps no cache of its own, and compiling cost more than running them.
 */
export class StatementCache {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly sqlite: Database.Database,
    /** Shapes come from code, not input; the bound only keeps a mistake from growing without end. */
    private readonly limit = 64,
  ) {}

  get(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.sqlite.prepare(sql);
      if (this.statements.size >= this.limit) this.statements.delete(this.statements.keys().next().value as string);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
