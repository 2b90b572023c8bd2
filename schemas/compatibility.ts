import avro, { type Schema, type Type } from 'avsc';

/**
 * BACKWARD compatibility (the registry's default, and ours): consumers on the new schema must read
 * data written with the old one. avsc's resolver decides; this walk names the field at fault, which
 * the resolver's own message often does not ("cannot read string as int" — but where?).
 */
export function backwardIncompatibilities(newSchema: Schema, oldSchema: Schema): string[] {
  const reader = avro.Type.forSchema(newSchema);
  const writer = avro.Type.forSchema(oldSchema);
  const problems = walk(reader, writer, reader.name ? shortName(reader.name) : '(root)');
  if (problems.length === 0) {
    try {
      reader.createResolver(writer);
    } catch (error) {
      problems.push(`${shortName(reader.name ?? '(root)')}: ${(error as Error).message}`);
    }
  }
  return problems;
}

const shortName = (name: string) => name.split('.').pop() as string;

function canResolve(reader: Type, writer: Type): string | undefined {
  try {
    reader.createResolver(writer);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function walk(reader: Type, writer: Type, path: string): string[] {
  if (reader instanceof avro.types.RecordType && writer instanceof avro.types.RecordType) {
    const problems: string[] = [];
    for (const field of reader.fields) {
      const written = writer.field(field.name) ?? field.aliases.map((alias) => writer.field(alias)).find(Boolean);
      const fieldPath = `${path}.${field.name}`;
      if (!written) {
        if (field.defaultValue() === undefined)
          problems.push(`${fieldPath}: added without a default, so old records cannot be read`);
        continue;
      }
      problems.push(...walk(field.type, written.type, fieldPath));
    }
    return problems;
  }
  if (reader instanceof avro.types.EnumType && writer instanceof avro.types.EnumType) {
    const removed = writer.symbols.filter((symbol) => !reader.symbols.includes(symbol));
    const hasDefault = (reader.schema() as { default?: string }).default !== undefined;
    return removed.length > 0 && !hasDefault
      ? [`${path}: symbols ${removed.join(', ')} removed, and the enum has no default`]
      : [];
  }
  if (reader instanceof avro.types.ArrayType && writer instanceof avro.types.ArrayType)
    return walk(reader.itemsType, writer.itemsType, `${path}[]`);
  if (reader instanceof avro.types.MapType && writer instanceof avro.types.MapType)
    return walk(reader.valuesType, writer.valuesType, `${path}{}`);
  const message = canResolve(reader, writer);
  return message ? [`${path}: ${message}`] : [];
}
