# Batch oracle for sdk/tests/version_oracles/gem.rs, using RubyGems' own Gem::Version.
# One request per stdin line, tab-separated; one answer per line:
#   cmp A B  -> -1 / 0 / 1, or "!message" when a version is invalid
#   valid A  -> "ok" or "!invalid"   (Gem::Version.correct?)
require "rubygems"

$stdout.sync = false
$stdin.each_line do |line|
  op, a, b = line.chomp("\n").split("\t", -1)
  answer =
    case op
    when "cmp"
      begin
        (Gem::Version.new(a) <=> Gem::Version.new(b)).to_s
      rescue ArgumentError => e
        "!" + e.message.tr("\n", " ")
      end
    when "valid"
      Gem::Version.correct?(a) ? "ok" : "!invalid"
    else
      "!unknown request #{op}"
    end
  puts answer
end
$stdout.flush
