// Donor names from many scripts, for tests that prove text round-trips exactly.
/** Names from donors writing in Arabic, Indonesian, Turkish, Greek, Chinese, Japanese, Korean, Hebrew, Hindi. */
export const WORLD_NAMES = [
  'عبد الله بن محمد', 'Siti Nurhaliza binti Tarudin', 'Çağrı İşıkoğlu', 'Ğ ş ı İ', 'Ἀλέξανδρος Παπαδόπουλος',
  'ΑΣ', '王小明', '山田 太郎', '김민준', 'יוסף כהן', 'देवनागरी', '\u200fمحمد\u200e (RTL mark)', 'Zoë Åström-Ñúñez', '👨‍👩‍👧 family',
];
