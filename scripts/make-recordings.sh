#!/usr/bin/env bash
# make-recordings.sh OUTDIR: speaks the simulated phones' greetings with espeak-ng and turns
# them into 8 kHz mono 16-bit WAV files with sox, then builds the answering-machine-detection
# corpus from them. The output depends only on this script and the installed espeak-ng/sox
# (sox runs in repeatable mode, -R), so a rebuild gives the same bytes on the same machine.
#
# OUTDIR/human/hNN.wav     short greetings ("Hello?", "Hi, Maria speaking."), trimmed
# OUTDIR/machine/mNN.wav   voicemail greetings (3.4-13 s) + a pause + a beep: one tone from
#                          440 Hz to 2 kHz (most often 1000, 700, 850 or 1400 Hz), two tones
#                          one after the other ("700>1000"), or two at once ("1000+1400")
# OUTDIR/announce/aNN.wav  network announcements for early media ("not in service")
# OUTDIR/corpus/*.wav      AMD test calls: lead-in silence, a greeting, what follows; the
#                          "line" variants add line noise, a level change and a G.711 u-law
#                          round trip, as a real call would
# OUTDIR/corpus/labels.tsv file, label (human|machine), voice, beep (its tones, or -),
#                          beep_ms (where it starts in the file), beep_end_ms, text; written
#                          last, so its presence means the set is complete
set -euo pipefail
export LC_ALL=C

out=${1:?usage: make-recordings.sh OUTDIR}
for tool in espeak-ng sox; do
	command -v "$tool" >/dev/null || { echo "make-recordings: $tool is missing (scripts/deps.sh)" >&2; exit 1; }
done

tmp="$out.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp/human" "$tmp/machine" "$tmp/announce" "$tmp/corpus" "$tmp/work"
trap 'rm -rf "$tmp"' EXIT

RATE=(-r 8000 -c 1 -b 16 -e signed-integer)

# speak NAME VOICE SPEED PITCH WORDGAP TEXT: writes $tmp/work/NAME.wav, 8 kHz, silence trimmed
# at both ends (espeak-ng pads its output).
speak() {
	local name=$1 voice=$2 speed=$3 pitch=$4 gap=$5 text=$6
	espeak-ng -v "$voice" -s "$speed" -p "$pitch" -g "$gap" -w "$tmp/work/$name.raw.wav" "$text"
	sox -R "$tmp/work/$name.raw.wav" "${RATE[@]}" "$tmp/work/$name.wav" \
		silence 1 0.02 0.3% reverse silence 1 0.02 0.3% reverse
}

# The greetings: class|name|voice|speed|pitch|word gap (10 ms units)|text
# Humans (h) say a few words and wait; machines (m) talk for several seconds and then beep;
# curt machines (c) beep after a few words: they are hard cases for the AMD corpus only, the
# phones' voicemails keep to long greetings.
table=$(cat <<'EOF'
h|h01|en-us|170|50|0|Hello?
h|h02|en-us+m3|165|40|0|Yeah, this is Tom.
h|h03|en-us+f3|175|65|0|Hi, Maria speaking.
h|h04|en-gb|160|50|0|Hello?
h|h05|en-gb+f2|170|70|0|Hello, James here.
h|h06|en-us+f4|180|60|0|Yes?
h|h07|en-us-nyc|185|45|0|Hey, what's up?
h|h08|en-gb-scotland|165|55|0|Hi there.
h|h09|en-us+m2|150|35|1|Hello, this is Dave.
h|h10|en-us+f2|175|75|0|This is Jennifer.
h|h11|de|165|50|0|Hallo?
h|h12|de+f3|170|65|0|Ja, Müller.
h|h13|fr-fr|170|50|0|Allô?
h|h14|fr-fr+f2|175|70|0|Oui, allô?
h|h15|es|170|50|0|¿Diga?
h|h16|es-419+f3|175|65|0|Hola, soy Carmen.
h|h17|en-us|200|50|0|Speaking.
h|h18|en-gb-x-rp+m4|155|30|0|Good morning, Oliver speaking.
h|h19|en-us+f5|160|80|0|Hi, it's Sarah.
h|h20|en-029|170|50|0|Yes, hello?
h|h21|de+m2|160|40|0|Schmidt, hallo?
h|h22|fr-fr+m3|160|45|0|Bonjour, c'est Claire.
h|h23|es+m3|165|45|0|¿Bueno?
h|h24|en-us+m4|140|40|0|Hello?
m|m01|en-us|160|50|0|Hi, you've reached Tom Baker. I can't take your call right now. Please leave a message after the tone and I'll get back to you.
m|m02|en-us+f3|165|60|0|The person you are trying to reach is not available. At the tone, please record your message. When you have finished recording, you may hang up.
m|m03|en-us+m3|155|45|0|Hello, you have reached the office of Doctor Patel. Our office hours are Monday through Friday, nine to five. Please leave your name and number after the beep.
m|m04|en-gb|165|50|0|Hello, you've reached Emma. Sorry I missed your call. Please leave a message after the tone.
m|m05|en-us-nyc|175|50|0|Thank you for calling Acme Logistics. No one is available to take your call. Please leave a message.
m|m06|de|160|50|0|Hallo, hier ist die Mailbox von Anna Schneider. Ich bin gerade nicht erreichbar. Bitte hinterlassen Sie eine Nachricht nach dem Signalton.
m|m07|fr-fr|165|50|0|Bonjour, vous êtes bien sur la messagerie de Pierre Martin. Je ne suis pas disponible pour le moment. Laissez-moi un message après le bip sonore.
m|m08|es|165|50|0|Hola, has llamado a Lucía. En este momento no puedo atenderte. Deja tu mensaje después de la señal.
m|m09|en-us+f2|185|70|0|Hey, it's Jess! Can't talk right now, leave me a message and I'll call you back.
m|m10|en-gb-x-rp|150|40|1|Good afternoon. You have reached the sales department of Northwind Traders. All of our representatives are busy. Please leave a message and we will return your call.
m|m11|en-us+m2|170|40|0|You have reached five five five, zero one four three. Please leave a message.
m|m12|en-us+f4|175|65|0|Hi, this is Maria. I'm away from my phone. Leave a message!
m|m13|de+f2|170|60|0|Guten Tag. Sie sind verbunden mit der Praxis Doktor Weber. Bitte sprechen Sie nach dem Ton.
m|m14|fr-fr+m2|160|45|0|Vous êtes bien chez Julien et Sophie. Laissez-nous un message, on vous rappelle.
m|m15|es-419|170|50|0|Gracias por llamar. No estamos disponibles. Por favor deje su nombre y número después del tono.
m|m16|en-us-nyc+m4|165|40|0|Yo, it's Danny. You know what to do.
m|m17|en-gb+f3|160|65|0|Hello. I'm sorry, nobody can come to the phone at the moment. Please leave your message after the tone.
m|m18|en-us|145|50|1|Welcome to the voice mailbox of Robert Chen, senior account manager at Fabrikam. I am either on another call or away from my desk.
m|m19|en-us+f5|180|75|0|Hi! You've reached Amy and Mark. We're not home, so leave a message at the beep.
m|m20|en-029+m3|165|45|0|Please leave a message for the subscriber after the tone.
c|m21|en-us+f3|170|60|0|Leave a message.
c|m22|de+m3|170|45|0|Sprechen Sie jetzt.
c|m23|fr-fr+f3|170|65|0|Laissez un message.
c|m24|es+f2|170|65|0|Deje su mensaje.
a|a01|en-us+f2|160|55|0|The number you have dialed is not in service. Please check the number and try again.
a|a02|en-us|160|50|0|The subscriber you have called is not available. Please try again later.
a|a03|en-gb+f3|165|60|0|All circuits are busy now. Please try your call again later.
EOF
)

labels="$tmp/corpus/labels.tsv"
: >"$labels.body"

# The beeps of the 24 voicemail greetings, in table order (m01..m24).
beeps=(1000 700 850 1400 1000 '700>1000' 440 950 1100 '1000+1400' 600 1200
	1600 1800 2000 '850>1400' 1050 700 850 1400 1000 700 1400 '500+1700')

i=0
while IFS='|' read -r class name voice speed pitch gap text; do
	i=$((i + 1))
	speak "$name" "$voice" "$speed" "$pitch" "$gap" "$text"
	case $class in
	h)
		cp "$tmp/work/$name.wav" "$tmp/human/$name.wav"
		;;
	m | c)
		# A pause, then the beep, 0.4-0.8 s long, at the tones voicemail systems use: one
		# tone from 440 Hz to 2 kHz (1000, 700, 850 and 1400 Hz most often), two tones one
		# after the other (a>b: a for 40% of the beep, then b), or two at once (a+b).
		spec=${beeps[$(((i - 25) % ${#beeps[@]}))]}
		beep=$(printf '0.%d' $((4 + i % 5)))
		pause=$(printf '0.%d' $((3 + i % 4)))
		sox -R -n "${RATE[@]}" "$tmp/work/$name.pause.wav" trim 0 "$pause"
		case $spec in
		*'>'*)
			first=$(awk -v d="$beep" 'BEGIN { printf "%.2f", d * 0.4 }')
			second=$(awk -v d="$beep" 'BEGIN { printf "%.2f", d * 0.6 }')
			sox -R -n "${RATE[@]}" "$tmp/work/$name.b1.wav" synth "$first" sine "${spec%>*}" vol 0.5 fade 0.01 "$first" 0.005
			sox -R -n "${RATE[@]}" "$tmp/work/$name.b2.wav" synth "$second" sine "${spec#*>}" vol 0.5 fade 0.005 "$second" 0.01
			sox -R "$tmp/work/$name.b1.wav" "$tmp/work/$name.b2.wav" "$tmp/work/$name.beep.wav"
			;;
		*+*)
			sox -R -n "${RATE[@]}" "$tmp/work/$name.beep.wav" synth "$beep" sine "${spec%+*}" sine "${spec#*+}" channels 1 vol 0.5 fade 0.01 "$beep" 0.01
			;;
		*)
			sox -R -n "${RATE[@]}" "$tmp/work/$name.beep.wav" synth "$beep" sine "$spec" vol 0.5 fade 0.01 "$beep" 0.01
			;;
		esac
		dst="$tmp/machine/$name.wav"
		[ "$class" = c ] && dst="$tmp/work/$name.beeped.wav"
		sox -R "$tmp/work/$name.wav" "$tmp/work/$name.pause.wav" "$tmp/work/$name.beep.wav" "$dst"
		# Where the beep starts and ends in the greeting (ms).
		beep_at=$(awk -v g="$(soxi -D "$tmp/work/$name.wav")" -v p="$pause" 'BEGIN { printf "%d", (g + p) * 1000 + 0.5 }')
		beep_len=$(awk -v d="$beep" 'BEGIN { printf "%d", d * 1000 + 0.5 }')
		;;
	a)
		cp "$tmp/work/$name.wav" "$tmp/announce/$name.wav"
		continue
		;;
	esac
	label=human src="$tmp/human/$name.wav"
	[ "$class" = m ] && label=machine src="$tmp/machine/$name.wav"
	[ "$class" = c ] && label=machine src="$tmp/work/$name.beeped.wav"

	# The clean call: 0.15-0.55 s of silence after pickup, the greeting, then silence (humans
	# wait for an answer; machines are recording).
	lead=$(printf '0.%02d' $((15 + (i * 7) % 41)))
	tail=4
	[ "$class" != h ] && tail=1
	sox -R "$src" "$tmp/corpus/$name-clean.wav" pad "$lead" "$tail"
	beepcols="-\t0\t0"
	if [ "$class" != h ]; then
		start=$(awk -v l="$lead" -v b="$beep_at" 'BEGIN { printf "%d", l * 1000 + b + 0.5 }')
		beepcols="$spec\t$start\t$((start + beep_len))"
	fi
	printf "%s\t%s\t%s\t$beepcols\t%s\n" "$name-clean.wav" "$label" "$voice" "$text" >>"$labels.body"

	# The line call: the level changes (peak -3..-18 dBFS), pink line noise (about -60..-48
	# dBFS), and a u-law round trip like the G.711 leg in a real call.
	peak=$((3 + (i * 5) % 16))
	noise=$(printf '0.00%d' $((1 + i % 4)))
	sox -R "$tmp/corpus/$name-clean.wav" "$tmp/work/$name.lvl.wav" gain -n "-$peak"
	len=$(soxi -D "$tmp/work/$name.lvl.wav")
	sox -R -n "${RATE[@]}" "$tmp/work/$name.noise.wav" synth "$len" pinknoise vol "$noise"
	sox -R -m -v 1 "$tmp/work/$name.lvl.wav" -v 1 "$tmp/work/$name.noise.wav" \
		-t ul "$tmp/work/$name.ul"
	sox -R -t ul -r 8000 -c 1 "$tmp/work/$name.ul" "${RATE[@]}" "$tmp/corpus/$name-line.wav"
	printf "%s\t%s\t%s\t$beepcols\t%s\n" "$name-line.wav" "$label" "$voice" "$text" >>"$labels.body"
done <<<"$table"

# Humans who greet twice ("Hello? ... Hello?"): the first pause must already decide.
for name in h01 h13; do
	sox -R -n "${RATE[@]}" "$tmp/work/$name.gap.wav" trim 0 1.2
	sox -R "$tmp/human/$name.wav" "$tmp/work/$name.gap.wav" "$tmp/human/$name.wav" \
		"$tmp/corpus/$name-twice.wav" pad 0.3 3
	printf '%s\t%s\t%s\t-\t0\t0\t%s\n' "$name-twice.wav" human "-" "(greeting twice)" >>"$labels.body"
done

rm -rf "$tmp/work"
{
	printf 'file\tlabel\tvoice\tbeep\tbeep_ms\tbeep_end_ms\ttext\n'
	LC_ALL=C sort "$labels.body"
} >"$labels"
rm -f "$labels.body"

rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "make-recordings: $(ls "$out/corpus"/*.wav | wc -l) corpus calls, $(ls "$out/human" | wc -l) human, $(ls "$out/machine" | wc -l) machine, $(ls "$out/announce" | wc -l) announcements in $out"
