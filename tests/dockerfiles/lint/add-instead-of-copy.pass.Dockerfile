FROM alpine:3.19
ADD rootfs.tar.gz /
ADD https://example.com/tool.sh /usr/local/bin/tool.sh
ADD vendor.tar.xz /opt/
COPY app.py /app/
