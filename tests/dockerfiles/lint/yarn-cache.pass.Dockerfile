FROM node:20.11-alpine
WORKDIR /app
COPY package.json yarn.lock ./
RUN yarn install --frozen-lockfile && yarn cache clean
RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn --production
RUN yarn build
