#!/usr/bin/perl
# sisimai_bench.pl FILELIST: Sisimai's bounce-parsing throughput on one core, the peer figure
# that bench_classify_corpus is compared against (run.sh puts them side by side).
#
# Fairness: like bench_classify_corpus, every file is read into memory first, and only parsing
# is timed: each round hands every message to Sisimai->make(\$text) (Sisimai's in-memory mailbox
# reader, the same parse as for a path minus the file read). One untimed warm-up round loads
# Sisimai's lazily required MTA modules, as backstop's pattern compile is untimed too. Rounds
# repeat until --min-time CPU seconds (default 2). Rates are per file and per CPU second; a file
# that is an mbox of several messages counts once, as for backstop.
use strict;
use warnings;
use Getopt::Long;
use Time::HiRes qw(clock_gettime CLOCK_PROCESS_CPUTIME_ID CLOCK_MONOTONIC);
use Sisimai;

my $min_time = 2.0;
GetOptions('min-time=f' => \$min_time) && @ARGV == 1
  or die "usage: sisimai_bench.pl [--min-time SECONDS] FILELIST\n";

my $list = shift;
my @paths;
open(my $lf, '<', $list) or die "sisimai_bench.pl: cannot read $list: $!\n";
while (my $line = <$lf>) {
  chomp $line;
  $line =~ s/\r\z//;
  next if $line eq '' || $line =~ /\A#/;
  push @paths, $line;
}
close $lf;

my @texts;
my $bytes = 0;
for my $path (@paths) {
  open(my $fh, '<:raw', $path) or do { warn "sisimai_bench.pl: skipping $path: $!\n"; next };
  local $/;
  my $text = <$fh>;
  close $fh;
  next unless defined $text && length $text;
  push @texts, $text;
  $bytes += length $text;
}
die "sisimai_bench.pl: no messages in $list\n" unless @texts;

# Sisimai->make splits the scalar it is given in place for an mbox, so each call gets a copy;
# copying a few kB is noise next to the parse.
my $recognised = 0;
sub round {
  my $count = 0;
  for my $text (@texts) {
    my $copy = $text;
    my $data = Sisimai->make(\$copy);
    $count++ if $data && @$data;
  }
  return $count;
}

$recognised = round();    # warm-up
my $rounds = 0;
my $c0 = clock_gettime(CLOCK_PROCESS_CPUTIME_ID);
my $w0 = clock_gettime(CLOCK_MONOTONIC);
my $cpu = 0;
do {
  round();
  $rounds++;
  $cpu = clock_gettime(CLOCK_PROCESS_CPUTIME_ID) - $c0;
} while ($cpu < $min_time);
my $wall = clock_gettime(CLOCK_MONOTONIC) - $w0;

my $msgs = scalar(@texts) * $rounds;
printf "sisimai_bench.pl: Sisimai %s (Perl %vd), %d messages, %.2f MB from %s\n",
  Sisimai->version, $^V, scalar(@texts), $bytes / 1e6, $list;
printf "%-12s %7s %8s %8s %11s %9s %10s %11s\n",
  'stage', 'rounds', 'cpu_s', 'wall_s', 'msgs/s', 'MB/s', 'us/msg', 'wall_msgs/s';
printf "%-12s %7d %8.2f %8.2f %11.1f %9.2f %10.1f %11.1f\n",
  'sisimai', $rounds, $cpu, $wall, $msgs / $cpu, $bytes * $rounds / $cpu / 1e6,
  $cpu / $msgs * 1e6, $msgs / $wall;
printf "recognised as bounces: %d of %d\n", $recognised, scalar(@texts);
