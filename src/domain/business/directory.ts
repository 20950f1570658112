import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { formatMsisdn, normalizeMsisdn } from '../shared/msisdn.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { requireBusinessAdmin, scopeOf } from './access.ts';
import { parseCsv, toCsv } from './csv.ts';

const HEADER = { ru: ['Номер', 'Сотрудник', 'Подразделение'], en: ['Number', 'Employee', 'Department'] };

/** The employee directory as CSV: number (`+7 916 100-00-01`, which the import reads back), employee name, department — every number in reach. */
export async function exportDirectory(core: Core, ctx: Ctx): Promise<{ filename: string; content: Buffer }> {
  const admin = requireBusinessAdmin(ctx, 'read');
  const scope = scopeOf(admin);
  const rows = await core.db.query<{ msisdn: string; employee_name: string | null; department: string | null }>(
    `SELECT s.msisdn, s.employee_name, d.name AS department FROM subscriber s LEFT JOIN department d ON d.id = s.department_id
      WHERE ${scope.where} ORDER BY s.msisdn`,
    scope.params,
  );
  return { filename: 'employees.csv', content: toCsv([HEADER[ctx.lang], ...rows.map((r) => [formatMsisdn(r.msisdn), r.employee_name ?? '', r.department ?? ''])]) };
}

export interface DirectoryLineError {
  line: number;
  field: 'msisdn' | 'employee' | 'department' | 'line';
  value: string;
  message: string;
}

const words = {
  ru: {
    columns: 'в строке должно быть 2 или 3 поля: номер; сотрудник; подразделение',
    msisdn: 'не номер телефона',
    unknown: 'номер не найден среди номеров компании',
    duplicate: 'номер уже встречался выше',
    employee: 'имя сотрудника длиннее 200 символов или содержит управляющие символы',
    department: 'нет такого подразделения',
  },
  en: {
    columns: 'a line must have 2 or 3 fields: number; employee; department',
    msisdn: 'not a phone number',
    unknown: "not one of the company's numbers",
    duplicate: 'the number was already listed above',
    employee: 'the employee name is over 200 characters or has control characters',
    department: 'no such department',
  },
};

export interface DirectoryImportResult {
  /** False when any line was bad: then nothing was changed and `errors` says where. */
  applied: boolean;
  updated: number;
  unchanged: number;
  errors: DirectoryLineError[];
}

/**
 * Imports the employee directory: for each line, the number's employee name and (when the third
 * field is given) its department by name; an empty department field leaves it as is. Either every
 * line is valid and all are applied in one transaction, or nothing is changed and every bad line
 * is reported with its number, the field and why.
 */
export async function importDirectory(core: Core, ctx: Ctx, input: { csv: string }): Promise<DirectoryImportResult> {
  const admin = requireBusinessAdmin(ctx, 'write');
  const w = words[ctx.lang];
  const lines = parseCsv(input.csv);
  const scope = scopeOf(admin);
  const known = new Map(
    (await core.db.query<{ id: number; msisdn: string; employee_name: string | null; department_id: number | null }>(
      `SELECT s.id, s.msisdn, s.employee_name, s.department_id FROM subscriber s WHERE ${scope.where}`,
      scope.params,
    )).map((r) => [r.msisdn, r]),
  );
  const departments = new Map(
    (await core.db.query<{ id: number; name: string }>('SELECT id, name FROM department WHERE customer_id = $1', [admin.customerId]))
      .filter((d) => admin.role !== 'department_manager' || d.id === admin.departmentId)
      .map((d) => [d.name.trim().toLowerCase(), d.id]),
  );
  const errors: DirectoryLineError[] = [];
  const changes: { id: number; name: string | null; departmentId: number | null; msisdn: string }[] = [];
  const seen = new Set<string>();
  let unchanged = 0;
  for (const { line, fields } of lines) {
    const [rawMsisdn = '', rawName = '', rawDept = ''] = fields.map((f) => f.trim());
    if (fields.length < 2 || fields.length > 3) {
      errors.push({ line, field: 'line', value: fields.join(';').slice(0, 100), message: w.columns });
      continue;
    }
    const msisdn = normalizeMsisdn(rawMsisdn);
    if (!msisdn) {
      // The header line of an exported file is welcome back.
      if (line === 1 && [HEADER.ru[0], HEADER.en[0]].includes(rawMsisdn.replace(/^\uFEFF/, ''))) continue;
      errors.push({ line, field: 'msisdn', value: rawMsisdn.slice(0, 40), message: w.msisdn });
      continue;
    }
    const num = known.get(msisdn);
    if (!num) {
      errors.push({ line, field: 'msisdn', value: rawMsisdn, message: w.unknown });
      continue;
    }
    if (seen.has(msisdn)) {
      errors.push({ line, field: 'msisdn', value: rawMsisdn, message: w.duplicate });
      continue;
    }
    seen.add(msisdn);
    // eslint-disable-next-line no-control-regex -- control characters are what is refused
    if (rawName.length > 200 || /[\u0000-\u001f\u007f]/.test(rawName)) {
      errors.push({ line, field: 'employee', value: rawName.slice(0, 40), message: w.employee });
      continue;
    }
    let departmentId = num.department_id;
    if (rawDept !== '') {
      const d = departments.get(rawDept.toLowerCase());
      if (d === undefined) {
        errors.push({ line, field: 'department', value: rawDept.slice(0, 100), message: w.department });
        continue;
      }
      departmentId = d;
    }
    const name = rawName === '' ? null : rawName;
    if (name === num.employee_name && departmentId === num.department_id) unchanged++;
    else changes.push({ id: num.id, name, departmentId, msisdn });
  }
  if (errors.length > 0) return { applied: false, updated: 0, unchanged: 0, errors };
  return runUseCase(core, ctx, 'business.directory.import', async (tx, subject) => {
    subject.customerId = admin.customerId;
    for (const c of changes) {
      await tx.query('UPDATE subscriber SET employee_name = $2, department_id = $3 WHERE id = $1 AND customer_id = $4', [c.id, c.name, c.departmentId, admin.customerId]);
    }
    await recordAudit(tx, core, ctx, { action: 'business.directory.import', customerId: admin.customerId, details: { updated: changes.length, unchanged, lines: lines.length } });
    return { applied: true, updated: changes.length, unchanged, errors: [] };
  });
}
