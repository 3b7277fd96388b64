FROM ubuntu:latest
MAINTAINER Jane Doe <jane@example.com>
ENV DEBIAN_FRONTEND noninteractive
ENV APP_HOME /opt/my app
ADD app.tar.gz /opt/
ADD https://example.com/tool.sh /usr/local/bin/tool.sh
RUN apt-get update
RUN apt-get install -y python3 python3-pip
RUN pip3 install flask
ARG API_TOKEN
ENV DB_PASSWORD=hunter2
EXPOSE 5000/tcp 5001
VOLUME ["/data", "/logs"]
VOLUME /cache
STOPSIGNAL SIGTERM
CMD python3 /opt/app.py
