import { DuckDBScalarFunction, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';

/**
 * Registers `name(VARCHAR) -> VARCHAR` on the connection, applying `transform` to each non-NULL
 * text (NULL stays NULL), so a COPY can rewrite text while DuckDB streams rows to the file.
 * DuckDB cannot replace a function: callers register a name once per connection.
 */
export function registerTextFunction(connection: DuckDBConnection, name: string, transform: (text: string) => string): void {
  connection.registerScalarFunction(
    DuckDBScalarFunction.create({
      name,
      returnType: VARCHAR,
      parameterTypes: [VARCHAR],
      mainFunction: (_info, input, output) => {
        const texts = input.getColumnVector(0);
        for (let row = 0; row < input.rowCount; row++) {
          const text = texts.getItem(row) as string | null;
          output.setItem(row, text === null ? null : transform(text));
        }
        output.flush();
      },
    }),
  );
}
