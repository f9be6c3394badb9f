// The rule tables. Patterns name formats and standards, not particular messages: the MTA
// families' fixed NDR phrases (Postfix bounce(8) templates, Sendmail's deliver.c texts, Exim's
// "Mail delivery failed", qmail-send's "Hi. This is", Exchange's NDR wording, Lotus Notes,
// GroupWise, Courier, the big providers), RFC 3834 auto-reply conventions, and the wording of
// challenge-response systems and virus scanners. All are case-insensitive (pattern_set.h).
#include "classify/rules.h"

namespace backstop::classify {
namespace {

using F = Field;
using S = Signal;

constexpr Rule kRules[] = {
    // ---- Subjects of non-delivery reports, by family -------------------------------------
    {"subject-undeliverable", F::kSubject, S::kBounceSubject,
     R"re(^\s*((fwd?|tr|wg):\s*)?\W{0,4}(undeliver(able|ed)|non[- ]?deliver|nondeliverable|not delivered|unable to deliver|could not (be )?deliver|couldn't be delivered|delivery (status notification \(failure|failure|failed|has failed|problem|report)|failure notice|returned mail|mail delivery (failed|failure|problem|error)|mail (system )?error|message (status - )?undeliverable|message you sent (was )?blocked|returned to sender|bounced? (mail|message)|rejected|permanent (error|failure)|delivery_failure|error sending message)|mail failed|there was an error sending your mail|returned mail|message (was )?not delivered|blocked message|message blocked|wiadomo(sc|ść) odrzucona)re"},
    {"subject-dsn", F::kSubject, S::kBounceSubject,
     R"re(^\s*(delivery (status )?notification|non-delivery report|ndr\b|notice of delivery failure|mail could not be delivered|delivery report|message delivery (failure|error)|undeliverable mail|automatically rejected mail|failed mail|mail failure|email delivery failure))re"},
    {"subject-delayed", F::kSubject, S::kDelaySubject,
     R"re(^\s*(warning: (message \S+ delayed|could not send message)|delayed mail|delivery (status notification \(delay|delay)|message delayed|still being retried|mail delivery (delayed|warning)))re"},
    {"subject-ndr-intl", F::kSubject, S::kBounceSubject,
     R"re(unzustellbar|nicht zugestellt|nicht zustellbar|non remis|impossible de remettre|non recapitat|no se (ha )?pudo entregar|no entregado|onbestelbaar|niet bezorgd|nie doręczon|wiadomość niedostarczona|不達|配信不能|未送達|undeliverable mail returned|retour de message|mensagem não entregue|ikke levert|kan inte levereras|olevererbar|недостав)re"},

    // ---- Senders of non-delivery reports ---------------------------------------------------
    {"from-mailer-daemon", F::kFrom, S::kBounceFrom,
     R"re(mailer[-_]?daemon|\bpostmaster\b|mail delivery (subsystem|system|service)|mail ?administrator|\bmdaemon\b|\bmail-?daemon\b|\bmailerdaemon\b|\bmaildelivery\b|\bpostman\b|\bmailer@|\bsmtp gateway\b|\bmail router\b|\bnotes mail router|post_master|^\s*<?>?\s*$|^\s*"?mailer-daemon"?\s*$)re"},

    // ---- NDR texts that only mail delivery software writes ---------------------------------
    {"postfix-bounce", F::kBody, S::kBounceBody,
     R"re(this is the mail system at host|i'm sorry to have to inform you that your message could not|the mail system\s*$|this is the (postfix|mail) program at host)re"},
    {"qmail-send", F::kBody, S::kBounceBody,
     R"re(hi\. this is the qmail-send program|i'm afraid i wasn't able to deliver your message|this is a permanent error; i've given up|i tried to deliver a bounce message)re"},
    {"exim-bounce", F::kBody, S::kBounceBody,
     R"re(this message was created automatically by mail delivery software|a message that you sent could not be delivered to (one|all) or more of its|a message that you sent has not yet been delivered to one or more of its|message is frozen)re"},
    {"sendmail-bounce", F::kBody, S::kBounceBody,
     R"re(the original message was received at|-{3,} the following addresses had (permanent fatal|transient non-fatal) errors|-{3,} transcript of session follows|-{3,} original message follows|-{3,} returned message follows|message could not be delivered for \d+ (days|hours)|unsent message follows)re"},
    {"exchange-ndr", F::kBody, S::kBounceBody,
     R"re(delivery has failed to these recipients or (groups|distribution lists)|your message did not reach some or all of the intended recipients|the following recipient\(s\) (could not be reached|cannot be reached)|this is an automatically generated delivery status notification|delivery to the following recipients (failed|has been delayed)|could not be delivered to one or more recipients|diagnostic information for administrators|your message (couldn't|wasn't) be delivered|your message to \S+ couldn't be delivered|generating server:)re"},
    {"provider-ndr", F::kBody, S::kBounceBody,
     R"re(delivery to the following recipients? failed permanently|message from \S+\.\S+\.? unable to deliver message to the following|sorry, we were unable to deliver your message|the following message to <?\S+>? was undeliverable|your mail message to the following address(es)? could not be delivered|this message was undeliverable due to the following reason|your message (cannot|could not) be delivered to the following recipients|we (have|had) (tried|attempted) to deliver your message|the e-?mail (address|account) you tried to reach does not exist|the email account that you tried to reach (does not exist|is over quota|is disabled)|message not delivered to the following|could not deliver the message in the time limit specified|unable to deliver the message to the following|the following addresses had delivery problems|delivery failure report|your message was not delivered|your message was rejected by|your email (could not|cannot) be delivered|has not been delivered to the intended recipient)re"},
    {"domino-groupwise-ndr", F::kBody, S::kBounceBody,
     R"re(your message\s+subject: .{0,200}\s+was not delivered to|the message cannot be delivered to the following|message undeliverable|failed to deliver to '|delivery (report|failure): \S+@|this report relates to a message you sent|the following recipients? did not receive (this|your) message)re"},
    {"courier-ndr", F::kBody, S::kBounceBody,
     R"re(this is a delivery status notification, automatically generated by|your message was not delivered to the following recipients|this delivery status notification was|-{3,}\s*delivery status notification|your message was received but could not be delivered)re"},
    {"generic-ndr", F::kBody, S::kBounceBody,
     R"re(the following (message|addresses|recipients?) (could not|cannot|was not able to) be delivered|undeliverable to the following|permanent fatal errors|the original message (headers are|is) (included|attached)|below this line is a copy of the message|the message (you sent|that you sent) (to \S+ )?(could not|cannot|was not able to) be delivered|unable to deliver (your )?message to|delivery to the following recipient|mail delivery failed|message delivery (has )?failed|recipient address rejected|was not delivered because|returning message to sender|there was an error delivering your mail|your mail could not be delivered|non[- ]delivery (report|notification)|could not be delivered to the following|delivery status notification \(failure\)|has been returned|smtp error from remote mail server|remote server returned|did not reach the following recipient|we had trouble delivering your message|returned permanent errors|failed addresses follow|message log follows|could not be delivered to:?\s*<|you are not a member of this (mailing )?list|"notificationtype"\s*:\s*"(bounce|delivery)"|送信できませんでした|配信できませんでした|届けることができませんでした|宛先が見つかりません|\\?"notificationtype\\?"\s*:\s*\\?"(bounce|delivery)|this message is to inform you that (an|the|your) (e-?mail|message) you sent was (rejected|not delivered))re"},
    {"weak-ndr-phrase", F::kBody, S::kBounceWeak,
     R"re(user unknown|unknown user|no such (user|mailbox|recipient)|mailbox (unavailable|not found|is full|full)|over quota|quota exceeded|does not exist|address rejected|recipient rejected|relay(ing)? denied|host not found|(^|\s)(550|551|552|553|554|450|451|452)[- ]\d?|\b[45]\.\d{1,3}\.\d{1,3}\b|undeliverable|could not be delivered|delivery failed|failed recipient|invalid user address|requested action not taken|not a valid (user|recipient|mailbox|address)|recipient (name )?is not recognized|unknown recipient|mailbox is full)re"},

    // ---- Auto-replies (RFC 3834 and out-of-office conventions) -----------------------------
    {"subject-auto-reply", F::kSubject, S::kAutoReplySubject,
     R"re(^\s*[\[(]?(auto(matic)?[ _-]?(reply|response|answer|antwort|respond|répon)|auto:|autoreply|out of (the )?office|ooo\b|abwesend|abwesenheit|automatische antwort|r[ée]ponse automatique|absence|risposta automatica|respuesta autom[áa]tica|automatisch antwoord|afwezig|autosvar|automaattinen vastaus|automatyczna odpowied|odpowied[źz] automatyczna|automatick[áa] odpov|resposta autom[áa]tica|otomatik yan|自動応答|自动回复|不在|автоответ|автоматический ответ|nieobecno|on vacation|vacation|away from (my|the) (desk|office)|fuera de la oficina|fora do escrit|i am away|i'm away|currently out))re"},
    {"subject-thanks-auto", F::kSubject, S::kAutoReplySubject,
     R"re(^\s*(thank(s| you) for (your|you) (e-?mail|message|mail|inquiry|enquiry|letter)|we have received your (e-?mail|message)|your (e-?mail|message) (has been|was) received|(message|e-?mail) received)\s*[.!]?\s*$)re"},
    {"body-out-of-office", F::kBody, S::kAutoReplyBody,
     R"re(i (am|will be) (currently )?(out of (the )?office|away|on (annual )?leave|on vacation|on holiday|travell?ing|out of town)|i('m| am) (currently )?(out of (the )?office|away from)|(this is an? )?auto(matic|mated)?[- ]?(reply|response|generated response)|will (return|be back) (on|in|to the office)|limited (access to|e-?mail access)|i will respond (to your (e-?mail|message) )?(as soon as|when|upon)|ich bin (bis|vom|ab|derzeit|zur zeit)|je suis absent|sono assente|estar[ée] fuera|thank you for your (e-?mail|message)[.,!]? (this|we|i|your)|your (e-?mail|message) has been received|we have received your (e-?mail|message)|(reply|respond|get back to you) (to (you|your (e-?mail|message)) )?as soon as (possible|i can))re"},

    // ---- Challenge-response ------------------------------------------------------------------
    {"challenge-verify-human", F::kBody, S::kChallengeBody,
     R"re(verify that you\s+are a real (live )?human|prove (that )?you are (a )?(real )?(human|person)|not a spam source|(click|follow|visit) (on )?(the )?(following )?link (below )?to (have your (e-?mail )?address added|verify|confirm|ensure delivery)|added to the recipient'?s? (allowed|approved|trusted) (list|senders)|your message (is being|has been|was) held (pending|until|for)|reply to this message and leave the subject|to confirm (that )?you are|please confirm your (message|e-?mail|request|identity)|awaiting (your )?(verification|confirmation)|sender verification|one[- ]time (verification|confirmation)|this account is protected by|to release your message|pending approval of the sender|confirm that you (sent|are)|i use .{0,30}(spam|challenge).{0,30}(filter|system|protection)|requires that you verify|waitlisted|(add yourself|be added) to (my|the) .{0,20}(guest|allowed|approved|safe|white) ?list|click (the link|here) (below )?to (deliver|release|be added)|(listed on|added to) my .{0,20}(guest|allowed|approved|safe|white) ?list|one-time automat(ed|ic) (message|confirmation))re"},
    {"challenge-vendor", F::kBody, S::kChallengeVendor,
     R"re(boxtrapper|spam ?arrest|boxbe|bluebottle|\btmda\b|mailblocks|choicemail|sendio|earthlink spamblocker|spamblocker|qurb|cleanmymailbox|hushmail.*verif|vanquish|permit ?mail)re"},

    // ---- Virus-scanner notices -------------------------------------------------------------
    {"subject-virus", F::kSubject, S::kVirusSubject,
     R"re(virus|infected|malware|worm|trojan|antivirus|anti-virus|banned (attachment|file)|quarantin|security alert|mailscanner warning|blocked attachment|dangerous attachment)re"},
    {"body-virus-found", F::kBody, S::kVirusBody,
     R"re((virus|malware|worm|trojan|infection|infected attachment)[^\n]{0,80}(was |has been |were )?(found|detected|removed|blocked|quarantined|deleted|identified|discovered)|(detected|found|contained|contains|infected with)[^\n]{0,40}(virus|malware|worm|trojan)|virus name|virus identified|infected (message|file|attachment)|\bvirus alert\b|banned (attachment|file name|filename)|has been quarantined|was quarantined|mail ?scanner (has )?(detected|found)|the attachment (has been|was) (removed|deleted|blocked))re"},
    {"from-virus-scanner", F::kFrom, S::kVirusFrom,
     R"re(virus|antivirus|anti-virus|bitdefender|mcafee|symantec|sophos|trend ?micro|interscan|scanmail|mailscanner|amavis|clamav|kaspersky|f-secure|eset|panda|norton|avg|esafe|mail ?sweeper|quarantine|security)re"},

    // ---- Abuse feedback that is not RFC 5965 (providers' own formats) ----------------------
    {"subject-complaint", F::kSubject, S::kFeedbackSubject,
     R"re(^\s*(complaint about message from|abuse report|spam complaint|feedback report))re"},
    {"body-complaint", F::kBody, S::kFeedbackBody,
     R"re(\\?"notificationtype\\?"\s*:\s*\\?"complaint|sent this e-?mail to unsubscribe from the message)re"},

    // ---- Automated mail that answers nothing -----------------------------------------------
    {"not-reply-tracker", F::kFrom, S::kNotReply,
     R"re(bugzilla|jira|gitlab|github|gerrit|patchwork|buildbot|jenkins|noreply-?.*(review|build|ci)|kernel test robot|lkp@|syzbot)re"},
};

}  // namespace

std::span<const Rule> rules() { return kRules; }

}  // namespace backstop::classify
