# nginx_conf DIR SERVER-BLOCK: writes DIR/nginx.conf (one worker, no access log,
# every temp path inside DIR) around SERVER-BLOCK and starts nginx from it.
# Sourced by the proxy benchmarks so their nginx peers are configured alike.
nginx_conf() { # dir, server block
  mkdir -p "$1"
  cat > "$1/nginx.conf" <<CONF
worker_processes 1;
daemon on;
pid $1/nginx.pid;
error_log $1/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $1/body; proxy_temp_path $1/proxy; fastcgi_temp_path $1/fcgi; uwsgi_temp_path $1/uwsgi; scgi_temp_path $1/scgi;
  keepalive_requests 1000000;
  $2
}
CONF
  nginx -p "$1" -c "$1/nginx.conf" -e "$1/error.log"
}
