# Sourced by the bench scripts that serve the same bytes with nginx as their ceiling
# (bench/run.sh, bench/ab_get.sh), so both measure the same nginx.
#   nginx_conf DIR PORT   writes DIR/nginx.conf: static files from DIR/www on 127.0.0.1:PORT,
#                         sendfile, keep-alive without limit, no access log; temp files in DIR/tmp
nginx_conf() {
  local dir=$1 port=$2
  mkdir -p "$dir/www" "$dir/tmp"
  cat >"$dir/nginx.conf" <<CONF
user root;
worker_processes auto;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  default_type application/octet-stream;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server { listen 127.0.0.1:$port; root $dir/www; }
}
CONF
}
