FROM php:8.3-fpm
RUN apt-get update && apt-get install -y \
      libzip-dev \
      unzip \
    && docker-php-ext-install zip pdo_mysql
COPY --from=composer:2 /usr/bin/composer /usr/bin/composer
WORKDIR /var/www
COPY . .
RUN composer install --no-dev --optimize-autoloader
RUN chown -R www-data:www-data /var/www
USER root
CMD ["php-fpm"]
