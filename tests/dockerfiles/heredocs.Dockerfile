# syntax=docker/dockerfile:1.4
FROM debian:bookworm-slim
RUN <<EOF
set -eux
apt-get update
apt-get install -y --no-install-recommends curl
rm -rf /var/lib/apt/lists/*
EOF
COPY <<-"NGINX" /etc/nginx/conf.d/default.conf
	server {
	    listen 80;
	    root $document_root;
	}
	NGINX
RUN <<A cat > /a.txt && <<B cat > /b.txt
alpha
A
beta
B
RUN python3 <<PY
print("hello")
PY
CMD ["cat", "/a.txt"]
