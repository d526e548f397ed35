// Orbis under pm2: the same processes as deploy/supervisor/orbis.conf.
//   PM2_HOME=/var/lib/orbis/pm2 npx pm2 start deploy/pm2/ecosystem.config.cjs
//   npx pm2 save && npx pm2 startup   (start again at boot)
//
// The environment is read from ORBIS_ENV_FILE (default /etc/orbis/orbis.env),
// KEY=value lines, the same file supervisord uses.
//
// Decision — the web in pm2 cluster mode: pm2 runs `serve` as N cluster
// instances. Inside a cluster worker `serve` is one web process (it checks
// cluster.isWorker), so there is no cluster inside the cluster; pm2 shares
// the port, restarts a dead instance and `pm2 reload orbis-web` replaces them
// one at a time. Recycling after N requests is left to pm2
// (max_memory_restart), so --max-requests 0.
//
// Stopping: pm2 sends SIGINT. The workers and the beat run as plain child
// processes (interpreter "none"): pm2's fork-mode wrapper would hold an IPC
// channel that keeps a stopped worker alive until kill_timeout. The web
// instances preload sigint-is-sigterm.mjs, since a serve web process
// otherwise leaves SIGINT to a primary that pm2 does not have. Either way a
// web process finishes its requests and a worker its running jobs.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const envFile = process.env.ORBIS_ENV_FILE || '/etc/orbis/orbis.env';

function readEnv(file) {
  const env = {};
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
    return env;
  }
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`${file}: cannot read the line "${line}" (expected KEY=value)`);
    env[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return env;
}

const env = { NODE_ENV: 'production', ...readEnv(envFile) };
const logDir = env.ORBIS_LOG_DIR || process.env.ORBIS_LOG_DIR || '/var/log/orbis';
const manage = path.join(root, 'manage.ts');
const common = {
  cwd: root,
  env,
  autorestart: true,
  merge_logs: true,
  time: true,
};
/** A manage.ts command as a plain process (no pm2 wrapper). */
const command = (...args) => ({ script: process.execPath, interpreter: 'none', args: ['--import', 'tsx', manage, ...args] });

module.exports = {
  apps: [
    {
      ...common,
      name: 'orbis-web',
      script: manage,
      interpreter: 'node',
      node_args: ['--import', 'tsx', '--import', path.join(__dirname, 'sigint-is-sigterm.mjs')],
      args: ['serve', '--max-requests', '0'],
      exec_mode: 'cluster',
      instances: Number(env.ORBIS_WEB_INSTANCES || 2),
      kill_timeout: 35_000,
      listen_timeout: 20_000,
      max_memory_restart: '500M',
      out_file: path.join(logDir, 'web.log'),
      error_file: path.join(logDir, 'web.log'),
    },
    {
      ...common,
      name: 'orbis-worker',
      ...command('worker', '--queues', 'default,audit,requestlog,webhooks'),
      exec_mode: 'fork',
      kill_timeout: 60_000,
      out_file: path.join(logDir, 'worker.log'),
      error_file: path.join(logDir, 'worker.log'),
    },
    {
      ...common,
      name: 'orbis-worker-images',
      // Low CPU and disk priority for thumbnails, as under supervisord.
      script: 'nice',
      interpreter: 'none',
      args: [
        '-n',
        '10',
        'ionice',
        '-c3',
        process.execPath,
        '--import',
        'tsx',
        manage,
        'worker',
        '--queues',
        'images',
        '--concurrency',
        '2',
      ],
      exec_mode: 'fork',
      kill_timeout: 60_000,
      out_file: path.join(logDir, 'worker-images.log'),
      error_file: path.join(logDir, 'worker-images.log'),
    },
    {
      ...common,
      name: 'orbis-worker-recognition',
      // Faces: one job at a time per process (WebAssembly, one thread), one process per core, low priority.
      script: 'nice',
      interpreter: 'none',
      args: ['-n', '10', process.execPath, '--import', 'tsx', manage, 'worker', '--queues', 'recognition', '--concurrency', '1'],
      exec_mode: 'fork',
      instances: Number(env.ORBIS_RECOGNITION_INSTANCES || 2),
      kill_timeout: 330_000,
      out_file: path.join(logDir, 'worker-recognition.log'),
      error_file: path.join(logDir, 'worker-recognition.log'),
    },
    {
      ...common,
      name: 'orbis-beat',
      ...command('beat'),
      exec_mode: 'fork',
      kill_timeout: 30_000,
      out_file: path.join(logDir, 'beat.log'),
      error_file: path.join(logDir, 'beat.log'),
    },
  ],
};
