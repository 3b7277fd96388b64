ARG BASE=scratch
FROM ${BASE} AS one
ARG A=alpha
ARG B
ARG C="with space"
ENV E1=$A \
    E2=${B:-bdefault} \
# a comment inside the continuation

    E3="${C}" E4='$A literal' E5=\$A E6=${A:+set} E7=${UNSET:+set}
ENV E9 legacy form $A
ENV A=fromenv
ARG A=ignored
ENV E10=$A E11="a\"b" E12=x\ y E13=${A}suffix E14=pre${UNSET}post
WORKDIR /w/$A
LABEL l1="$E1" "l 2"=two l3=${C}
FROM one
ENV E15=child-$E1
