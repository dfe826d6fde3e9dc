// sql.js (SQLite built with emscripten): its glue loads sql-wasm.wasm with WebAssembly.instantiate, and
// `create_function` makes a one-function module with `new WebAssembly.Module` to put a JS function in
// the table. Real SQL: schema, inserts that grow the memory, joins, windows, printf of doubles, JSON,
// errors, user functions and the exported database file.
import initSqlJs from 'sql.js';
import { attempt, digest, pseudoRandomBytes, show } from './kit.mjs';

const SQL = await initSqlJs();
const db = new SQL.Database();
const query = (sql, params) => db.exec(sql, params).map(({ columns, values }) => ({ columns, values }));

db.run(`create table people(id integer primary key, name text not null unique, born integer, score real);
        create table pets(owner integer references people(id), kind text, name text);
        create index pets_owner on pets(owner);`);
const names = ['Ada', 'Grace', 'Linus', 'Barbara', 'Ken', 'Dennis', 'Margaret', 'Edsger', 'Frances', 'Niklaus'];
const insertPerson = db.prepare('insert into people(name, born, score) values (?, ?, ?)');
for (let i = 0; i < 2000; i++) insertPerson.run([`${names[i % names.length]} ${i}`, 1900 + (i * 7) % 120, (i * 37 % 1000) / 7]);
insertPerson.free();
for (let i = 0; i < 3000; i++) db.run('insert into pets values (?, ?, ?)', [1 + (i * 13) % 2000, ['cat', 'dog', 'owl'][i % 3], `pet${i}`]);

show('counts', query('select count(*), sum(born), total(score) from people'));
show('join', query(`select p.name, count(*) as n, group_concat(q.kind, '+') from people p join pets q on q.owner = p.id
                    group by p.id having n > 1 order by n desc, p.name limit 5`));
show('window', query(`select name, born, rank() over (order by born desc, name), sum(score) over (partition by born % 10 order by id)
                      from people where id % 250 = 0 order by id`));
show('printf', query(`select printf('%.17g|%e|%10.3f|%x|%q', 1.0/3, 6.02214076e23, -2.5, 255, 'it''s'), 0.1 + 0.2, 1e308 * 10, -0.0, round(2.5), cast('12abc' as integer)`));
show('json', query(`select json_object('a', 1, 'b', json_array(1.5, 'x', null)), json_extract('{"k":[10,20,30]}', '$.k[1]')`));
show('strings', query(`select upper('straße'), length('日本語'), hex('é'), substr('wasmjit', 2, 3), replace('a-b-c', '-', '::'), unicode('🚀')`));
show('recursive', query(`with recursive f(n, a, b) as (select 0, 0, 1 union all select n + 1, b, a + b from f where n < 90) select n, a from f where n in (10, 50, 90)`));

// Blobs of a few MB grow the wasm memory inside sqlite's own calls.
const blob = pseudoRandomBytes(3 << 20, { seed: 7 });
db.run('create table files(name text, data blob)');
db.run('insert into files values (?, ?)', ['random.bin', blob]);
const [[back]] = db.exec(`select data from files where name = 'random.bin'`)[0].values;
show('blob', { length: back.length, digest: digest(back), same: digest(back) === digest(blob) });
show('blob sql', query(`select length(data), hex(substr(data, 1, 8)), hex(substr(data, -8)) from files`));

db.create_function('weird_add', (a, b) => (a === null ? 'null!' : a + b * 2));
show('user function', query('select weird_add(1, 2), weird_add(null, 3), weird_add(1.5, 0.25), weird_add(?, ?)', ['x', 'y']));
db.create_aggregate('product', { init: () => 1, step: (acc, v) => acc * v, finalize: (acc) => acc });
show('user aggregate', query('select product(born % 7 + 1) from people where id <= 12'));

await attempt('missing table', () => db.exec('select * from nowhere'));
await attempt('syntax error', () => db.exec('selec 1'));
await attempt('constraint', () => db.run(`insert into people(name) values ('Ada 0')`));
await attempt('not null', () => db.run('insert into people(name) values (null)'));
show('changes', db.getRowsModified());

const file = db.export();
show('export', { length: file.length, header: Buffer.from(file.subarray(0, 16)).toString('latin1') });
const reopened = new SQL.Database(file);
show('reopened', reopened.exec(`select count(*), max(name) from people`)[0].values);
reopened.close();
db.close();
