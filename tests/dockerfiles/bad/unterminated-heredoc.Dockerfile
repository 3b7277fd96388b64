FROM alpine
RUN <<EOF
echo never ends
EOF2
