import { Client } from 'pg';

/**
 * Gives the owner role every object of a schema that another role owns: a database whose
 * migrations ran before the owner and app roles existed (as the superuser, in `.data/`) is
 * brought to the shape the migrations now expect. Idempotent; run as a superuser.
 *
 * Tables bring their indexes, row types and serial sequences with them; other sequences,
 * functions and standalone types are altered one by one.
 */
const ADOPT = String.raw`
do $$
declare
  target regrole := to_regrole(%L);
  space regnamespace := to_regnamespace(%L);
  r record;
begin
  for r in
    select format('alter %s %s owner to %I',
                  case c.relkind when 'v' then 'view' when 'm' then 'materialized view'
                                 when 'S' then 'sequence' when 'f' then 'foreign table' else 'table' end,
                  c.oid::regclass, target) as stmt
      from pg_class c
     where c.relnamespace = space and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S') and c.relowner <> target
       and not (c.relkind = 'S' and exists (select 1 from pg_depend d
                                             where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype in ('a', 'i')))
    union all
    select format('alter routine %s owner to %I', p.oid::regprocedure, target)
      from pg_proc p where p.pronamespace = space and p.proowner <> target
    union all
    select format('alter type %s owner to %I', t.oid::regtype, target)
      from pg_type t
     where t.typnamespace = space and t.typowner <> target
       and (t.typtype in ('e', 'd', 'r')
            or (t.typtype = 'c' and (select c.relkind from pg_class c where c.oid = t.typrelid) = 'c'))
  loop
    execute r.stmt;
  end loop;
end $$`;

export async function adoptSchemaObjects(client: Client, ownerRole: string, schema = 'public'): Promise<void> {
  const sql = ADOPT.replace('%L', () => client.escapeLiteral(ownerRole)).replace('%L', () => client.escapeLiteral(schema));
  await client.query(sql);
}
