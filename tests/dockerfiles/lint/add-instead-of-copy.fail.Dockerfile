FROM alpine:3.19
ADD app.py /app/
ADD --chown=1000 src/ /app/src/
ADD vendor.tgz notes.txt /opt/
ADD ["config.yaml", "/etc/app/"]
ADD bundle.zip /opt/
# expect: 2 3 4 5 6
