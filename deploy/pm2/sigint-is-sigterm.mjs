// Preloaded into the pm2 web instances (node --import). pm2 stops a process
// with SIGINT (daemon-wide PM2_KILL_SIGNAL; the per-app kill_signal is not
// honoured by pm2 7), but a `serve` web process leaves SIGINT to its primary
// and stops gracefully on SIGTERM. Under pm2 there is no such primary, so
// SIGINT is turned into SIGTERM: requests in flight finish, then it exits.
process.on('SIGINT', () => process.kill(process.pid, 'SIGTERM'));
