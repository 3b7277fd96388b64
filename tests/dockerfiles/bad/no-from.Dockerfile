# just a comment
ARG VERSION=1
RUN echo no stage
